-- A network rule in network_rundll32.yml that excludes loopback but no other private range:
-- the code action inserts the rest, the buffer changes and the finding goes.

local scenarios = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/corpus_scenarios.lua")
scenarios.exclusion_fix("network_rundll32.yml", "corpus/partial-private-range-exclusion")

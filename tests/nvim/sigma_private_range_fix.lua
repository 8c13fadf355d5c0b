-- A network rule in network_rundll32.yml that excludes loopback and 10.0.0.0/8 but no other
-- private range: the code action inserts the rest, the buffer changes and the finding goes.

local scenarios = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/corpus_scenarios.lua")
scenarios.exclusion_fix("network_rundll32.yml", "corpus/partial-private-range-exclusion")

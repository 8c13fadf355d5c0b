-- A network rule in network_rundll32.kql that lacks the exclusion its peers carry:
-- the code action inserts it, the buffer changes and the finding goes.

local scenarios = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/corpus_scenarios.lua")
scenarios.exclusion_fix("network_rundll32.kql")

-- A remote logon rule in rdp_logon_ipv4.yml that checks the source address without the
-- private-range exclusion its peers carry: the code action inserts it, the buffer changes
-- and the finding goes.

local scenarios = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/corpus_scenarios.lua")
scenarios.exclusion_fix("rdp_logon_ipv4.yml", "corpus/missing-common-exclusion")

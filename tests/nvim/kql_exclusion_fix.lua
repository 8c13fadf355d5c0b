-- The KQL form of the remote logon rule, rdp_logon_ipv4.kql: the code action inserts the
-- missing private-range exclusion, the buffer changes and the finding goes.

local scenarios = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/corpus_scenarios.lua")
scenarios.exclusion_fix("rdp_logon_ipv4.kql", "corpus/missing-common-exclusion")

-- A KQL remote logon rule, rdp_logon_public.kql, that excludes the private IPv4 ranges but
-- not loopback: the code action inserts the rest, the buffer changes and the finding goes.

local scenarios = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/corpus_scenarios.lua")
scenarios.exclusion_fix("rdp_logon_public.kql", "corpus/partial-private-range-exclusion")

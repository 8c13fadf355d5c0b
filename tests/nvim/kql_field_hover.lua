-- The hover on the request-method field in iis_get_alone.kql gives corpus figures.

local scenarios = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/corpus_scenarios.lua")
scenarios.field_hover("iis_get_alone.kql", "csMethod")

-- A request-method indicator used alone in iis_get_alone.kql: the noisy-indicator
-- diagnostic with its lint id and range.

local scenarios = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/corpus_scenarios.lua")
scenarios.noisy_indicator("iis_get_alone.kql", "csMethod", "GET")

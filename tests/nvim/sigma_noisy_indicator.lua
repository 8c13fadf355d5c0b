-- A request-method indicator used alone in web_get_alone.yml: the noisy-indicator
-- diagnostic with its lint id and range.

local scenarios = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/corpus_scenarios.lua")
scenarios.noisy_indicator("web_get_alone.yml", "cs-method", "GET")

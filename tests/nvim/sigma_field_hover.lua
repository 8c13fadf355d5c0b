-- The hover on the request-method field in web_get_alone.yml gives corpus figures.

local scenarios = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/corpus_scenarios.lua")
scenarios.field_hover("web_get_alone.yml", "cs-method")

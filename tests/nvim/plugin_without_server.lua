-- The plugin without a usable server: filetypes, rule detection, the message for a missing
-- executable, option validation, the technique lookup and `:checkhealth rulelens`.

local helpers = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/helpers.lua")
local expect = helpers.expect

helpers.run(function()
  local rulelens = require("rulelens")
  rulelens.setup({ server_path = helpers.workdir .. "/no-such-rulelens", settings = 42 })

  local wrong_type = false
  for _, note in ipairs(helpers.notifications) do
    if note.message:find('option "settings" is a number, expected a table', 1, true) then
      wrong_type = true
    end
  end
  expect(wrong_type, "a settings option of the wrong type is not reported")
  expect(type(rulelens.options.settings) == "table", "settings did not fall back to a table")

  local kql = helpers.open(helpers.fixture("iis_get_alone.kql"))
  expect(vim.bo[kql].filetype == "kql", "a .kql file has filetype %q", vim.bo[kql].filetype)
  local spl = helpers.open(helpers.fixture("search.spl"))
  expect(vim.bo[spl].filetype == "spl", "a .spl file has filetype %q", vim.bo[spl].filetype)

  local detect = require("rulelens.detect")
  local sigma = helpers.open(helpers.fixture("web_get_alone.yml"))
  expect(detect.buffer_rule_format(sigma) == "sigma", "the Sigma fixture is not a rule")
  local pipeline = helpers.open(helpers.fixture("pipeline.yml"))
  expect(detect.buffer_rule_format(pipeline) == nil, "a CI pipeline is taken for a rule")
  expect(detect.rule_format("toml", { "[metadata]", "[rule]", 'query = "x"' }) == "elastic",
    "an Elastic TOML rule is not recognised")
  expect(detect.rule_format("yaml", { "AnalysisType: rule" }) == "panther",
    "a Panther rule is not recognised")

  local missing = 0
  for _, note in ipairs(helpers.notifications) do
    if note.message:find("no-such-rulelens", 1, true) and note.message:find("not found", 1, true) then
      expect(note.level == vim.log.levels.ERROR, "the missing server is not an error")
      missing = missing + 1
    end
  end
  expect(missing == 1, "the missing server was reported %d times, expected once", missing)
  expect(#rulelens.clients() == 0, "a client started without a server")

  vim.api.nvim_set_current_buf(sigma)
  local line = helpers.find(sigma, "attack%.t1190")
  vim.api.nvim_win_set_cursor(0, { line + 1, 14 })
  expect(rulelens.technique_under_cursor() == "T1190", "technique under the cursor: %s",
    tostring(rulelens.technique_under_cursor()))
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  expect(rulelens.technique_under_cursor() == nil, "a technique found on the title line")
  local techniques = rulelens.buffer_techniques(sigma)
  expect(#techniques == 1 and techniques[1] == "T1190", "buffer techniques: %s",
    vim.inspect(techniques))

  vim.cmd("checkhealth rulelens")
  local health = helpers.buffer_text(vim.api.nvim_get_current_buf())
  expect(health:find("setup() has run", 1, true), "checkhealth lacks the setup line:\n%s", health)
  expect(health:find("no-such-rulelens", 1, true), "checkhealth lacks the missing server:\n%s",
    health)
end)

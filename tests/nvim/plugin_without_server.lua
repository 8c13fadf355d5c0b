-- The plugin without a usable server: filetypes, rule detection, the message for a missing
-- executable, option validation, the technique lookup, `:checkhealth rulelens`, the
-- `lsp/rulelens.lua` table, and `:RuleLensReport` with a stand-in executable.

local helpers = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/helpers.lua")
local expect = helpers.expect

-- Writes an executable shell script that replaces `rulelens report` in the test.
local function write_script(name, body)
  local path = helpers.workdir .. "/" .. name
  local file = assert(io.open(path, "w"))
  file:write("#!/bin/sh\n" .. body .. "\n")
  file:close()
  vim.fn.setfperm(path, "rwxr-xr-x")
  return path
end

-- Runs `rulelens.report` and waits for its callback; returns the buffer or nil and a message.
local function run_report(rulelens, technique)
  local finished, report_buffer, failure = false, nil, nil
  rulelens.report(technique, function(bufnr, message)
    finished, report_buffer, failure = true, bufnr, message
  end)
  helpers.wait_for("the report command to finish", function()
    return finished
  end)
  return report_buffer, failure
end

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

  local valid, problems = rulelens.validate_settings({
    lints = { ["corpus/noisy-indicator-alone"] = "error", ["x/y"] = 3 },
    thresholds = { ["noisy-indicator-reach"] = "many", ["min-peers"] = 2 },
    ["debounceMs"] = 40,
    debounce = 10,
  })
  expect(vim.deep_equal(valid, {
    lints = { ["corpus/noisy-indicator-alone"] = "error" },
    thresholds = { ["min-peers"] = 2 },
    ["debounceMs"] = 40,
  }), "validated settings: %s", vim.inspect(valid))
  local joined = table.concat(problems, "\n")
  expect(#problems == 3, "expected 3 settings problems:\n%s", joined)
  expect(joined:find('"thresholds.noisy-indicator-reach" is a string, expected a number', 1, true),
    "the wrong threshold type is not named:\n%s", joined)
  expect(joined:find('unknown setting "debounce"', 1, true), "the unknown key is not named")
  expect(joined:find('lints["x/y"] is a number', 1, true), "the wrong lint level is not named")

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
    local text = note.message
    if text:find("no-such-rulelens", 1, true) and text:find("not found", 1, true) then
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

  local config = dofile(helpers.plugin_dir .. "/lsp/rulelens.lua")
  expect(config.cmd[1] == "rulelens" and config.cmd[2] == "server", "lsp/rulelens.lua cmd: %s",
    vim.inspect(config.cmd))
  expect(vim.tbl_contains(config.filetypes, "kql"), "lsp/rulelens.lua lacks the kql filetype")
  expect(vim.tbl_contains(config.filetypes, "yaml"), "lsp/rulelens.lua lacks the yaml filetype")
  local roots = {}
  config.root_dir(pipeline, function(root)
    table.insert(roots, root)
  end)
  expect(#roots == 0, "lsp/rulelens.lua gives a root for a CI pipeline")
  config.root_dir(sigma, function(root)
    table.insert(roots, root)
  end)
  expect(roots[1] == vim.fn.resolve(helpers.workdir) or roots[1] == helpers.workdir,
    "lsp/rulelens.lua root for the Sigma rule: %s", tostring(roots[1]))

  vim.cmd("checkhealth rulelens")
  local health = helpers.buffer_text(vim.api.nvim_get_current_buf())
  expect(health:find("setup() has run", 1, true), "checkhealth lacks the setup line:\n%s", health)
  expect(health:find("no-such-rulelens", 1, true), "checkhealth lacks the missing server:\n%s",
    health)

  -- `:RuleLensReport` runs `rulelens report TECHNIQUE` and shows the output in a split.
  vim.api.nvim_set_current_buf(sigma)
  rulelens.options.server_path = write_script("report-ok", 'echo "# Report $2"; echo "args: $*"')
  local report, failure = run_report(rulelens, "t1190")
  expect(report ~= nil, "the report failed: %s", tostring(failure))
  local lines = vim.api.nvim_buf_get_lines(report, 0, -1, false)
  expect(lines[1] == "# Report T1190", "report buffer starts with %q", tostring(lines[1]))
  expect(lines[2] == "args: report T1190", "report command line: %q", tostring(lines[2]))
  expect(vim.bo[report].filetype == "markdown", "report filetype %q", vim.bo[report].filetype)

  vim.api.nvim_set_current_buf(sigma)
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  rulelens.options.server_path =
    write_script("report-fails", 'echo "unknown technique $2" >&2; exit 3')
  local failed_buffer, message = run_report(rulelens, nil)
  expect(failed_buffer == nil, "a failed report opened a buffer")
  expect(message and message:find("unknown technique T1190", 1, true),
    "the failure message lacks the command's error: %s", tostring(message))
  expect(message:find("code 3", 1, true), "the failure message lacks the exit code: %s", message)

  local before = #helpers.notifications
  rulelens.report("X12")
  local last = helpers.notifications[#helpers.notifications]
  expect(#helpers.notifications == before + 1 and last.message:find("not an ATT&CK technique id"),
    "an invalid technique id is not reported")
end)

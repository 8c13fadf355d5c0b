-- The plugin with the real server: diagnostics with their lint id and range, settings that
-- turn a lint off, and a restart after the server dies.

local helpers = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/helpers.lua")
local expect = helpers.expect

local lint = "syntax/unused-suppression"

helpers.run(function()
  local rulelens = helpers.setup({})
  local bufnr = helpers.open(helpers.fixture("unused_suppression.yml"))
  local client = helpers.client_for(bufnr)

  local diagnostic = helpers.wait_for_lint(bufnr, lint)
  local comment_line, comment_column = helpers.find(bufnr, "rulelens: ignore")
  expect(diagnostic.range.start.line == comment_line, "%s on line %d, expected %d", lint,
    diagnostic.range.start.line, comment_line)
  expect(diagnostic.range.start.character == comment_column,
    "%s starts at column %d, expected %d", lint, diagnostic.range.start.character, comment_column)
  expect(diagnostic.range["end"].line == comment_line, "%s spans several lines", lint)
  expect(diagnostic.severity == vim.lsp.protocol.DiagnosticSeverity.Warning,
    "%s has severity %s", lint, tostring(diagnostic.severity))
  expect(#vim.diagnostic.get(bufnr) > 0, "vim.diagnostic shows nothing for the buffer")

  local pipeline = helpers.open(helpers.fixture("pipeline.yml"))
  expect(not client.attached_buffers[pipeline], "the server attached to a CI pipeline")

  -- The server dies: the plugin says so, and a restart brings the diagnostics back.
  local pid = client.rpc and client.rpc.pid
  expect(type(pid) == "number", "the client exposes no server pid")
  vim.loop.kill(pid, "sigkill")
  helpers.wait_for("the exit message", function()
    for _, note in ipairs(helpers.notifications) do
      if note.message:find("exited", 1, true) and note.message:find("RuleLensRestart", 1, true) then
        return true
      end
    end
    return false
  end)

  -- Restart with a lint raised to an error through the settings object.
  local unused_selection = "sigma/unused-selection"
  rulelens.options.settings = { lints = { [unused_selection] = "error" } }
  vim.cmd("RuleLensRestart")
  local restarted = helpers.client_for(bufnr)
  expect(restarted.id ~= client.id, "the restart reused the dead client")
  helpers.wait_for_lint(bufnr, lint)

  local selection_buffer = helpers.open(helpers.fixture("unused_selection.yml"))
  local raised = helpers.wait_for_lint(selection_buffer, unused_selection)
  local filter_line = helpers.find(selection_buffer, "filter_signed:")
  expect(raised.range.start.line == filter_line, "%s on line %d, expected %d", unused_selection,
    raised.range.start.line, filter_line)
  expect(raised.severity == vim.lsp.protocol.DiagnosticSeverity.Error,
    "the lints setting did not raise %s: severity %s", unused_selection, tostring(raised.severity))

  -- Switch it off while the server runs.
  local before = #helpers.published
  rulelens.client_notify(restarted, "workspace/didChangeConfiguration", {
    settings = { lints = { [unused_selection] = "off" } },
  })
  local diagnostics = helpers.wait_for("a publish after the settings change", function()
    return helpers.last_publish(selection_buffer, before)
  end)
  for _, found in ipairs(diagnostics) do
    expect(found.code ~= unused_selection, "%s is reported although the settings turn it off",
      unused_selection)
  end
end)

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

  -- Restart with the lint raised to an error through the settings object.
  rulelens.options.settings = { lints = { [lint] = "error" } }
  vim.cmd("RuleLensRestart")
  local restarted = helpers.client_for(bufnr)
  expect(restarted.id ~= client.id, "the restart reused the dead client")
  helpers.wait_for("a " .. lint .. " diagnostic raised to an error", function()
    for _, found in ipairs(helpers.last_publish(bufnr) or {}) do
      if found.code == lint and found.severity == vim.lsp.protocol.DiagnosticSeverity.Error then
        return true
      end
    end
    return false
  end)

  -- Switch it off while the server runs.
  local before = #helpers.published
  restarted.notify("workspace/didChangeConfiguration", {
    settings = { lints = { [lint] = "off" } },
  })
  local diagnostics = helpers.wait_for("a publish after the settings change", function()
    return helpers.last_publish(bufnr, before)
  end)
  for _, found in ipairs(diagnostics) do
    expect(found.code ~= lint, "%s is reported although the settings turn it off", lint)
  end
end)

-- `:checkhealth rulelens`: the Neovim version, the plugin setup, the server executable and
-- the running clients.

local M = {}

-- Neovim 0.9 moved the report functions to `vim.health` and renamed them; 0.7 and 0.8 have
-- them in the `health` module with a `report_` prefix.
local function reporter()
  local health = vim.health
  if health == nil or health.start == nil then
    health = require("health")
  end
  return {
    start = health.start or health.report_start,
    ok = health.ok or health.report_ok,
    info = health.info or health.report_info,
    warn = health.warn or health.report_warn,
    error = health.error or health.report_error,
  }
end

function M.check()
  local report = reporter()
  report.start("rulelens")

  if vim.fn.has("nvim-0.7") == 1 then
    local version = vim.version()
    report.ok(string.format("Neovim %d.%d.%d", version.major, version.minor, version.patch))
  else
    report.error("Neovim 0.7 or newer is required")
  end

  local rulelens = require("rulelens")
  if rulelens.configured then
    report.ok("require('rulelens').setup() has run")
  elseif #vim.api.nvim_get_runtime_file("lsp/rulelens.lua", false) > 0 and vim.lsp.enable then
    report.info("setup() has not run; vim.lsp.enable('rulelens') uses lsp/rulelens.lua instead")
  else
    report.warn("require('rulelens').setup() has not run, so no buffer gets the server")
  end

  local command = rulelens.server_cmd()
  local missing = rulelens.missing_server_message()
  if missing then
    report.error(missing)
  else
    local output = vim.fn.system({ command[1], "--version" })
    if vim.v.shell_error == 0 then
      report.ok(string.format("%s: %s", vim.fn.exepath(command[1]), vim.trim(output)))
    else
      report.error(
        string.format("`%s --version` failed: %s", command[1], vim.trim(output)),
        { "check that server_path names the rulelens binary, not a folder or a script" }
      )
    end
  end

  local clients = rulelens.clients()
  if #clients == 0 then
    report.info("no RuleLens server is running; open a rule file to start one")
  end
  for _, client in ipairs(clients) do
    local buffers = 0
    for _ in pairs(client.attached_buffers or {}) do
      buffers = buffers + 1
    end
    report.ok(
      string.format(
        "client %d at %s, %d buffer(s), position encoding %s",
        client.id,
        tostring(client.config.root_dir),
        buffers,
        tostring(client.offset_encoding)
      )
    )
  end
end

return M

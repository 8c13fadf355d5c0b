-- Shared steps of the headless Neovim tests.
--
-- Each test script runs in its own `nvim --headless --clean` process started by
-- `tests/tests/nvim_headless.rs`, which sets these environment variables:
--
-- - RULELENS_NVIM_PLUGIN: the `editors/nvim` folder, put first on 'runtimepath'.
-- - RULELENS_BIN: the `rulelens` binary the plugin starts.
-- - RULELENS_NVIM_WORKDIR: a scratch folder holding copies of the fixtures.
--
-- A script calls `helpers.run(function() ... end)`: an error raised inside, by an `expect`
-- or a timed-out `wait_for`, prints the traceback to stderr and exits Neovim with code 1;
-- success exits with 0. Nothing else exits, so the runner can tell a pass from a crash.

local M = {}

M.timeout_ms = tonumber(os.getenv("RULELENS_NVIM_TIMEOUT_MS") or "") or 20000

local function env(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    error("environment variable " .. name .. " is not set: run through nvim_headless.rs", 2)
  end
  return value
end

M.plugin_dir = env("RULELENS_NVIM_PLUGIN")
M.workdir = env("RULELENS_NVIM_WORKDIR")
M.server = os.getenv("RULELENS_BIN")

vim.opt.runtimepath:prepend(M.plugin_dir)
vim.opt.swapfile = false
vim.cmd("filetype on")

--- Every notification shown through `vim.notify`, as { message, level }.
M.notifications = {}
vim.notify = function(message, level)
  table.insert(M.notifications, { message = message, level = level })
  io.stderr:write("notify: " .. tostring(message) .. "\n")
end

--- Every `textDocument/publishDiagnostics` received, in order, as the raw LSP params.
M.published = {}
local default_publish = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
  if result then
    table.insert(M.published, result)
  end
  return default_publish(err, result, ctx, config)
end

--- Raises an error with `message` when `condition` is false.
function M.expect(condition, message, ...)
  if not condition then
    error(string.format(message, ...), 2)
  end
end

--- Waits until `condition()` returns a true value and returns that value. Raises an error
--- naming `what` after `timeout_ms` (default `M.timeout_ms`).
function M.wait_for(what, condition, timeout_ms)
  local value
  local done = vim.wait(timeout_ms or M.timeout_ms, function()
    value = condition()
    return value and true or false
  end, 20)
  if not done then
    error("timed out waiting for " .. what, 2)
  end
  return value
end

--- Runs a test body, then exits Neovim with 0 on success or 1 with the traceback.
function M.run(body)
  local ok, failure = xpcall(body, debug.traceback)
  if ok then
    io.stderr:write("nvim test passed\n")
    io.stderr:flush()
    vim.cmd("qall!")
  else
    io.stderr:write("nvim test failed: " .. tostring(failure) .. "\n")
    io.stderr:flush()
    vim.cmd("cquit 1")
  end
end

--- Returns the path of a fixture copy in the scratch folder.
function M.fixture(name)
  local path = M.workdir .. "/" .. name
  M.expect(vim.fn.filereadable(path) == 1, "fixture %s not found in %s", name, M.workdir)
  return path
end

--- Calls `require("rulelens").setup(opts)` with the test server and returns the module.
function M.setup(opts)
  M.expect(M.server ~= nil and M.server ~= "", "RULELENS_BIN is not set")
  local rulelens = require("rulelens")
  rulelens.setup(vim.tbl_extend("force", { server_path = M.server }, opts or {}))
  return rulelens
end

--- Opens a file in the current window and returns its buffer number.
function M.open(path)
  vim.cmd("edit " .. vim.fn.fnameescape(path))
  return vim.api.nvim_get_current_buf()
end

--- Returns the RuleLens client attached to a buffer, waiting for it to initialize.
function M.client_for(bufnr)
  return M.wait_for("the rulelens client to attach and initialize", function()
    for _, client in ipairs(require("rulelens").clients()) do
      if client.attached_buffers[bufnr] and client.initialized ~= false then
        if client.server_capabilities or client.resolved_capabilities then
          return client
        end
      end
    end
    return nil
  end)
end

--- Returns the diagnostics of the last publish for a buffer that came after `after` publishes
--- in total, or nil when none has arrived.
function M.last_publish(bufnr, after)
  local uri = vim.uri_from_bufnr(bufnr)
  for index = #M.published, (after or 0) + 1, -1 do
    local publish = M.published[index]
    if publish.uri == uri then
      return publish.diagnostics
    end
  end
  return nil
end

--- Waits for a publish for `bufnr` after `after` publishes that holds a diagnostic of `lint`,
--- and returns that diagnostic.
function M.wait_for_lint(bufnr, lint, after)
  local found = vim.wait(M.timeout_ms, function()
    for _, diagnostic in ipairs(M.last_publish(bufnr, after) or {}) do
      if diagnostic.code == lint then
        return true
      end
    end
    return false
  end, 20)
  if not found then
    local last = M.last_publish(bufnr, after)
    error(
      string.format(
        "timed out waiting for a %s diagnostic; the last publish had [%s]",
        lint,
        last and M.codes(last) or "no publish"
      ),
      2
    )
  end
  for _, diagnostic in ipairs(M.last_publish(bufnr, after)) do
    if diagnostic.code == lint then
      return diagnostic
    end
  end
end

--- Returns the codes of a diagnostics list, joined for messages.
function M.codes(diagnostics)
  local codes = {}
  for _, diagnostic in ipairs(diagnostics or {}) do
    table.insert(codes, tostring(diagnostic.code))
  end
  return table.concat(codes, ", ")
end

--- Returns the 0-based line and byte column of the first match of `pattern` in a buffer.
function M.find(bufnr, pattern)
  for line, text in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local column = text:find(pattern)
    if column then
      return line - 1, column - 1
    end
  end
  error("pattern " .. pattern .. " not found in the buffer", 2)
end

--- Sends a request for a buffer and returns its result, raising on an error or a timeout.
function M.request(bufnr, method, params)
  local responses, err = vim.lsp.buf_request_sync(bufnr, method, params, M.timeout_ms)
  M.expect(responses ~= nil, "%s failed: %s", method, tostring(err))
  for _, response in pairs(responses) do
    M.expect(response.err == nil, "%s returned an error: %s", method, vim.inspect(response.err))
    return response.result
  end
  error(method .. " got no response")
end

--- Returns the text of a hover result, whatever form its contents take.
function M.hover_text(result)
  M.expect(result ~= nil and result.contents ~= nil, "hover returned no contents")
  local contents = result.contents
  if type(contents) == "string" then
    return contents
  end
  if contents.value then
    return contents.value
  end
  local parts = {}
  for _, part in ipairs(contents) do
    table.insert(parts, type(part) == "string" and part or part.value)
  end
  return table.concat(parts, "\n")
end

--- Returns the buffer's text as one string.
function M.buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
end

return M

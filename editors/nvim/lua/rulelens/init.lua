-- RuleLens for Neovim: starts the `rulelens server` language server for detection rules.
--
-- `require("rulelens").setup(opts)` registers the `kql` and `spl` filetypes, attaches the
-- server to buffers that hold rules (plain KQL and SPL, and YAML or TOML whose top-level keys
-- make them Sigma, Sentinel, Splunk, Panther or Elastic rules), and adds the commands
-- `:RuleLensReport`, `:RuleLensRestart` and `:RuleLensStop`. It runs on Neovim 0.7 and newer:
-- `vim.lsp.start` where it exists (0.8+), `vim.lsp.start_client` with one client per root
-- folder before that.

local detect = require("rulelens.detect")

local M = {}

--- The client name, shared with `lsp/rulelens.lua` so that `vim.lsp.enable` and `setup` never
--- run two servers for one folder.
M.client_name = "rulelens"

--- Options of `setup`, with their defaults.
M.defaults = {
  -- The server executable: a name looked up on PATH, or a path.
  server_path = "rulelens",
  -- The whole command line. When nil it is `{ server_path, "server" }`.
  cmd = nil,
  -- Server settings: the sections of `.rulelens.toml` plus `debounceMs`, `logLevel` and
  -- `indexPath`.
  -- They are sent as `initializationOptions` and in `workspace/didChangeConfiguration`.
  settings = {},
  -- Files or folders whose presence marks the workspace root, nearest first.
  root_markers = { ".rulelens.toml", ".git" },
  -- Start the server when a rule buffer is opened.
  autostart = true,
  -- Passed to the LSP client unchanged.
  capabilities = nil,
  on_attach = nil,
  handlers = nil,
}

M.options = vim.deepcopy(M.defaults)

-- Client ids by root folder, for Neovim 0.7 where `vim.lsp.start` does not exist.
local clients_by_root = {}
-- Missing executables and settings problems already reported, so each is reported once
-- until the next restart.
local reported_missing = {}
local reported_settings = {}

local function notify(message, level)
  vim.notify("rulelens: " .. message, level or vim.log.levels.INFO)
end

--- Sends an LSP notification through a client. Neovim 0.11 made the client functions
--- methods (`client:notify`); earlier releases take no `self`.
function M.client_notify(client, method, params)
  if vim.fn.has("nvim-0.11") == 1 then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

--- Returns the command line that starts the server.
function M.server_cmd()
  if type(M.options.cmd) == "table" and #M.options.cmd > 0 then
    return M.options.cmd
  end
  return { M.options.server_path, "server" }
end

--- Returns a message when the server executable cannot be run, else nil.
function M.missing_server_message()
  local executable = M.server_cmd()[1]
  if type(executable) ~= "string" or executable == "" then
    return "server_path is empty: set it to the rulelens executable in require('rulelens').setup()"
  end
  if vim.fn.executable(executable) == 1 then
    return nil
  end
  return string.format(
    "server executable %q not found or not executable: install rulelens "
      .. "(cargo install --path server) or set server_path in require('rulelens').setup()",
    executable
  )
end

-- JSON-encodes an empty Lua table as an object rather than an array, recursively, because
-- the server expects objects for the settings and their sections.
local function as_json_objects(value)
  if type(value) ~= "table" then
    return value
  end
  if next(value) == nil then
    return vim.empty_dict()
  end
  local is_list = vim.islist or vim.tbl_islist
  if is_list(value) then
    return value
  end
  local copy = {}
  for key, item in pairs(value) do
    copy[key] = as_json_objects(item)
  end
  return copy
end

-- The type of each server setting, by key path: the sections of `.rulelens.toml` with their
-- kebab-case keys, plus three camelCase keys of the server's own.
local setting_types = {
  ["lints"] = "table",
  ["thresholds"] = "table",
  ["thresholds.noisy-indicator-reach"] = "number",
  ["thresholds.missing-exclusion-share"] = "number",
  ["thresholds.min-peers"] = "number",
  ["thresholds.duplicate-similarity"] = "number",
  ["index"] = "table",
  ["index.extra"] = "table",
  ["index.replace-default"] = "boolean",
  ["files"] = "table",
  ["files.include"] = "table",
  ["files.exclude"] = "table",
  ["debounceMs"] = "number",
  ["logLevel"] = "string",
  ["indexPath"] = "string",
}

--- Returns a copy of `settings` without the keys that are unknown or of the wrong type, and
--- a message for each key left out.
function M.validate_settings(settings)
  local problems = {}
  local function check(table_value, prefix)
    local valid = {}
    for key, value in pairs(table_value) do
      local path = prefix and (prefix .. "." .. key) or key
      local expected = setting_types[path]
      if prefix == "lints" then
        if type(value) == "string" then
          valid[key] = value
        else
          local message = string.format("lints[%q] is a %s, expected a level", key, type(value))
          table.insert(problems, message)
        end
      elseif expected == nil then
        table.insert(problems, string.format("unknown setting %q", path))
      elseif type(value) ~= expected then
        table.insert(
          problems,
          string.format("setting %q is a %s, expected a %s", path, type(value), expected)
        )
      elseif expected == "table" and path ~= "index.extra" and not path:match("^files%.") then
        valid[key] = check(value, path)
      else
        valid[key] = value
      end
    end
    return valid
  end
  return check(settings, nil), problems
end

--- Returns the settings object sent to the server, reporting and leaving out wrong keys.
function M.server_settings()
  local settings, problems = M.validate_settings(M.options.settings or {})
  for _, problem in ipairs(problems) do
    -- Each buffer that attaches builds the settings again, so report each problem once.
    if not reported_settings[problem] then
      reported_settings[problem] = true
      notify("ignored " .. problem, vim.log.levels.WARN)
    end
  end
  return as_json_objects(settings)
end

-- Returns the folder that holds the first root marker above `start`, or nil.
local function find_marker_root(start)
  for _, marker in ipairs(M.options.root_markers or {}) do
    local file = vim.fn.findfile(marker, start .. ";")
    if file ~= "" then
      return vim.fn.fnamemodify(file, ":p:h")
    end
    local folder = vim.fn.finddir(marker, start .. ";")
    if folder ~= "" then
      local absolute = vim.fn.fnamemodify(folder, ":p"):gsub("/$", "")
      return vim.fn.fnamemodify(absolute, ":h")
    end
  end
  return nil
end

--- Returns the root folder for a buffer: the nearest root marker's folder, else the
--- buffer's folder, else the working folder.
function M.root_dir(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  local start = name ~= "" and vim.fn.fnamemodify(name, ":p:h") or vim.fn.getcwd()
  return find_marker_root(start) or start
end

local function on_exit(code, signal, client_id)
  -- A stop through `:RuleLensStop`, `:RuleLensRestart` or quitting exits with 0.
  if code == 0 and (signal == 0 or signal == nil) then
    return
  end
  vim.schedule(function()
    notify(
      string.format(
        "the server (client %d) exited with code %s and signal %s; "
          .. "see :LspLog, then run :RuleLensRestart",
        client_id,
        tostring(code),
        tostring(signal)
      ),
      vim.log.levels.ERROR
    )
  end)
end

--- Returns the client configuration for a root folder.
function M.client_config(root)
  local settings = M.server_settings()
  return {
    name = M.client_name,
    cmd = M.server_cmd(),
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = settings,
    settings = settings,
    capabilities = M.options.capabilities,
    handlers = M.options.handlers,
    on_attach = M.options.on_attach,
    on_init = function(client)
      -- Neovim 0.7 does not send `settings` by itself; sending them again on newer releases
      -- is harmless.
      M.client_notify(client, "workspace/didChangeConfiguration", { settings = settings })
    end,
    on_exit = on_exit,
  }
end

--- Starts the server for a buffer, or attaches the running one, when the buffer holds a rule.
--- Returns the client id, or nil when the buffer is not a rule or the server cannot start.
function M.attach(bufnr)
  if bufnr == nil or bufnr == 0 then
    bufnr = vim.api.nvim_get_current_buf()
  end
  if not vim.api.nvim_buf_is_valid(bufnr) then
    return nil
  end
  if vim.bo[bufnr].buftype ~= "" then
    return nil
  end
  if not detect.buffer_rule_format(bufnr) then
    return nil
  end

  local missing = M.missing_server_message()
  if missing then
    if not reported_missing[missing] then
      reported_missing[missing] = true
      notify(missing, vim.log.levels.ERROR)
    end
    return nil
  end

  local root = M.root_dir(bufnr)
  local config = M.client_config(root)
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end

  local client_id = clients_by_root[root]
  local client = client_id and vim.lsp.get_client_by_id(client_id)
  if not client or client.is_stopped() then
    client_id = vim.lsp.start_client(config)
    if not client_id then
      notify("could not start " .. table.concat(config.cmd, " "), vim.log.levels.ERROR)
      return nil
    end
    clients_by_root[root] = client_id
  end
  vim.lsp.buf_attach_client(bufnr, client_id)
  return client_id
end

--- Returns the running RuleLens clients.
function M.clients()
  local all = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  local found = {}
  for _, client in ipairs(all) do
    if client.name == M.client_name then
      table.insert(found, client)
    end
  end
  return found
end

--- Stops every RuleLens client and waits up to `timeout_ms` (default 3000) for them to exit.
function M.stop(timeout_ms)
  local ids = {}
  for _, client in ipairs(M.clients()) do
    table.insert(ids, client.id)
    vim.lsp.stop_client(client.id)
  end
  clients_by_root = {}
  vim.wait(timeout_ms or 3000, function()
    for _, id in ipairs(ids) do
      if vim.lsp.get_client_by_id(id) ~= nil then
        return false
      end
    end
    return true
  end, 20)
  -- A server that ignored the shutdown request is killed.
  for _, id in ipairs(ids) do
    if vim.lsp.get_client_by_id(id) ~= nil then
      vim.lsp.stop_client(id, true)
    end
  end
end

--- Stops the servers and starts them again for every loaded rule buffer.
function M.restart()
  M.stop()
  reported_missing = {}
  reported_settings = {}
  local attached = 0
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and M.attach(bufnr) then
      attached = attached + 1
    end
  end
  notify(string.format("restarted the server for %d buffer(s)", attached))
end

-- Matches an ATT&CK technique id such as `T1059` or `t1059.001` at a word boundary.
local technique_pattern = "%f[%w][tT]%d%d%d%d[%.%d]*"

local function normalize_technique(text)
  local id = text:match("^[tT](%d%d%d%d)")
  local sub = text:match("^[tT]%d%d%d%d%.(%d%d%d)")
  if not id then
    return nil
  end
  return sub and ("T" .. id .. "." .. sub) or ("T" .. id)
end

--- Returns the technique id under the cursor, or nil.
function M.technique_under_cursor()
  local line = vim.api.nvim_get_current_line()
  local column = vim.api.nvim_win_get_cursor(0)[2] + 1
  local start = 1
  while true do
    local first, last = line:find(technique_pattern, start)
    if not first then
      return nil
    end
    if column >= first and column <= last then
      return normalize_technique(line:sub(first, last))
    end
    start = last + 1
  end
end

--- Returns the distinct technique ids written in a buffer, in order of appearance.
function M.buffer_techniques(bufnr)
  local seen, found = {}, {}
  for _, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    for match in line:gmatch(technique_pattern) do
      local id = normalize_technique(match)
      if id and not seen[id] then
        seen[id] = true
        table.insert(found, id)
      end
    end
  end
  return found
end

-- Shows report text in a scratch buffer in a new split.
local function show_report(technique, lines)
  vim.cmd("new")
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].buftype = "nofile"
  vim.bo[bufnr].bufhidden = "wipe"
  vim.bo[bufnr].swapfile = false
  pcall(vim.api.nvim_buf_set_name, bufnr, "rulelens://report/" .. technique)
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.bo[bufnr].modifiable = false
  if (lines[1] or ""):match("^#") then
    vim.bo[bufnr].filetype = "markdown"
  end
  return bufnr
end

--- Runs `rulelens report TECHNIQUE` and shows its output in a split.
--- Calls `on_done(bufnr)` with the report buffer, or `on_done(nil, message)` on failure.
function M.run_report(technique, on_done)
  on_done = on_done or function() end
  local missing = M.missing_server_message()
  if missing then
    notify(missing, vim.log.levels.ERROR)
    on_done(nil, missing)
    return
  end

  local command = { M.server_cmd()[1], "report", technique }
  local stdout, stderr = {}, {}
  local function collect(into)
    return function(_, data)
      for _, line in ipairs(data or {}) do
        table.insert(into, line)
      end
    end
  end
  local job = vim.fn.jobstart(command, {
    stdout_buffered = true,
    stderr_buffered = true,
    on_stdout = collect(stdout),
    on_stderr = collect(stderr),
    on_exit = function(_, code)
      -- Buffered output ends with one empty string for the final newline.
      if stdout[#stdout] == "" then
        table.remove(stdout)
      end
      if code ~= 0 then
        local message = string.format(
          "`%s` failed with code %d: %s",
          table.concat(command, " "),
          code,
          vim.trim(table.concat(stderr, "\n"))
        )
        notify(message, vim.log.levels.ERROR)
        on_done(nil, message)
        return
      end
      on_done(show_report(technique, stdout))
    end,
  })
  if job <= 0 then
    local message = "could not run " .. table.concat(command, " ")
    notify(message, vim.log.levels.ERROR)
    on_done(nil, message)
  end
end

--- `:RuleLensReport [TECHNIQUE]`: the report of the given technique, else of the technique
--- under the cursor, else of the buffer's technique (asking when the rule has several).
function M.report(technique, on_done)
  if technique and technique ~= "" then
    local normalized = normalize_technique(technique)
    if not normalized then
      notify(
        string.format(
          "%q is not an ATT&CK technique id: use the form T1059 or T1059.001",
          technique
        ),
        vim.log.levels.ERROR
      )
      return
    end
    return M.run_report(normalized, on_done)
  end

  local under_cursor = M.technique_under_cursor()
  if under_cursor then
    return M.run_report(under_cursor, on_done)
  end

  local techniques = M.buffer_techniques(vim.api.nvim_get_current_buf())
  if #techniques == 0 then
    notify(
      "no ATT&CK technique id in this buffer: name one, as in :RuleLensReport T1133",
      vim.log.levels.WARN
    )
    return
  end
  if #techniques == 1 then
    return M.run_report(techniques[1], on_done)
  end
  vim.ui.select(techniques, { prompt = "Technique report for:" }, function(choice)
    if choice then
      M.run_report(choice, on_done)
    end
  end)
end

local function register_filetypes()
  if vim.filetype and vim.filetype.add and vim.fn.has("nvim-0.8") == 1 then
    vim.filetype.add({
      extension = { kql = "kql", kusto = "kql", csl = "kql", spl = "spl" },
    })
    return
  end
  -- Neovim 0.7 reads `vim.filetype.add` only with `g:do_filetype_lua`, so use autocommands.
  vim.cmd([[
    augroup rulelens_filetypes
      autocmd!
      autocmd BufRead,BufNewFile *.kql,*.kusto,*.csl setfiletype kql
      autocmd BufRead,BufNewFile *.spl setfiletype spl
    augroup END
  ]])
end

local function create_commands()
  vim.api.nvim_create_user_command("RuleLensReport", function(command)
    M.report(command.args)
  end, { nargs = "?", desc = "Show the RuleLens report of an ATT&CK technique" })
  vim.api.nvim_create_user_command("RuleLensRestart", function()
    M.restart()
  end, { desc = "Restart the RuleLens language server" })
  vim.api.nvim_create_user_command("RuleLensStop", function()
    M.stop()
  end, { desc = "Stop the RuleLens language server" })
end

local function create_autocommands()
  local group = vim.api.nvim_create_augroup("rulelens_attach", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = { "kql", "spl", "yaml", "toml" },
    callback = function(event)
      M.attach(event.buf)
    end,
  })
  -- A new YAML or TOML file becomes a rule once its keys are written, so look again on save.
  vim.api.nvim_create_autocmd("BufWritePost", {
    group = group,
    pattern = { "*.yml", "*.yaml", "*.toml" },
    callback = function(event)
      M.attach(event.buf)
    end,
  })
end

-- The type each option must have.
local option_types = {
  server_path = "string",
  cmd = "table",
  settings = "table",
  root_markers = "table",
  autostart = "boolean",
  capabilities = "table",
  on_attach = "function",
  handlers = "table",
}

--- Configures the plugin. An unknown option or one of the wrong type is reported and the
--- default valid, so that one typo never stops the other options from applying.
function M.setup(opts)
  local options = vim.deepcopy(M.defaults)
  for key, value in pairs(opts or {}) do
    local kind = option_types[key]
    if kind == nil then
      notify(string.format("setup: unknown option %q", key), vim.log.levels.WARN)
    elseif type(value) ~= kind then
      notify(
        string.format("setup: option %q is a %s, expected a %s", key, type(value), kind),
        vim.log.levels.WARN
      )
    else
      options[key] = value
    end
  end
  M.options = options
  M.configured = true

  register_filetypes()
  create_commands()
  if options.autostart ~= false then
    create_autocommands()
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(bufnr) then
        M.attach(bufnr)
      end
    end
  end
end

return M

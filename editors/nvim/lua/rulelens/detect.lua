-- Decides whether a buffer holds a detection rule that the RuleLens server reads.
--
-- The server detects the format from the file name and content; this module repeats the
-- content test for YAML and TOML so that the plugin attaches the server only to rule files
-- and leaves other YAML (CI pipelines, Kubernetes manifests) alone. The top-level keys tested
-- are those the server uses: Sigma `detection:` with `logsource:`, Sentinel `query:`, Splunk
-- `search:`, Panther `AnalysisType:`, and an Elastic `[rule]` table.

local M = {}

-- Rules are short; reading further would only slow down opening large data files.
M.max_lines = 2000

-- Filetypes whose buffers are always query text.
local query_filetypes = { kql = true, spl = true }

--- Returns the rule format name when `lines` hold a rule, else nil.
---@param filetype string
---@param lines string[]
---@return string|nil
function M.rule_format(filetype, lines)
  if query_filetypes[filetype] then
    return filetype
  end

  local keys = {}
  for index, line in ipairs(lines) do
    if index > M.max_lines then
      break
    end
    local key = line:match("^([%w_]+):")
    if key then
      keys[key] = true
    end
    if line:match("^%[rule%]%s*$") then
      keys["[rule]"] = true
    end
  end

  if filetype == "toml" then
    return keys["[rule]"] and "elastic" or nil
  end
  if filetype ~= "yaml" then
    return nil
  end
  if keys.detection and keys.logsource then
    return "sigma"
  end
  if keys.AnalysisType then
    return "panther"
  end
  if keys.query then
    return "sentinel"
  end
  if keys.search then
    return "splunk"
  end
  return nil
end

--- Returns the rule format of a loaded buffer, or nil when it holds no rule.
---@param bufnr number
---@return string|nil
function M.buffer_rule_format(bufnr)
  local filetype = vim.bo[bufnr].filetype
  if query_filetypes[filetype] then
    return filetype
  end
  if filetype ~= "yaml" and filetype ~= "toml" then
    return nil
  end
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, M.max_lines, false)
  return M.rule_format(filetype, lines)
end

return M

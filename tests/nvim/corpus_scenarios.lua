-- The corpus scenarios, shared by the Sigma and KQL scripts: a noisy indicator used alone
-- (diagnostic and range), corpus figures in the hover on its field, and a missing exclusion
-- fixed by its code action.

local helpers = dofile(os.getenv("RULELENS_NVIM_TESTS") .. "/helpers.lua")
local expect = helpers.expect

local M = {}

--- Settings that make the request-method indicator, checked by a few dozen corpus rules,
--- count as noisy, and an exclusion that one peer rule in ten carries count as common. With
--- the default index built from every front end, 10 of the remote logon fixture's 48 peers
--- exclude the private ranges, under the default share of 30%.
M.settings = {
  thresholds = { ["noisy-indicator-reach"] = 10, ["missing-exclusion-share"] = 0.1 },
}

local noisy = "corpus/noisy-indicator-alone"

-- Returns the text a single-line LSP range covers in a buffer.
local function range_text(bufnr, range)
  local line = vim.api.nvim_buf_get_lines(bufnr, range.start.line, range.start.line + 1, false)[1]
  if range["end"].line ~= range.start.line then
    return line:sub(range.start.character + 1)
  end
  return line:sub(range.start.character + 1, range["end"].character)
end

--- Opens `fixture` and expects the noisy-indicator diagnostic on the line of `field`, with
--- the range covering `field` or `value` and a figure in the message.
function M.noisy_indicator(fixture, field, value)
  helpers.run(function()
    helpers.setup({ settings = M.settings })
    local bufnr = helpers.open(helpers.fixture(fixture))
    helpers.client_for(bufnr)

    local diagnostic = helpers.wait_for_lint(bufnr, noisy)
    local line = helpers.find(bufnr, vim.pesc(field))
    expect(diagnostic.range.start.line == line, "%s on line %d, expected line %d of %s", noisy,
      diagnostic.range.start.line, line, field)
    local covered = range_text(bufnr, diagnostic.range)
    expect(covered:find(field, 1, true) or covered:find(value, 1, true),
      "%s covers %q, expected the %s predicate", noisy, covered, field)
    expect(diagnostic.message:find("%d"), "%s message gives no figure: %s", noisy,
      diagnostic.message)
  end)
end

--- Opens `fixture`, hovers `field` and expects corpus figures: a number of rules.
function M.field_hover(fixture, field)
  helpers.run(function()
    helpers.setup({ settings = M.settings })
    local bufnr = helpers.open(helpers.fixture(fixture))
    helpers.client_for(bufnr)
    -- The first publish shows the document was analysed before the hover.
    helpers.wait_for("a first publish", function()
      return helpers.last_publish(bufnr)
    end)

    local line, column = helpers.find(bufnr, vim.pesc(field))
    local hover = helpers.request(bufnr, "textDocument/hover", {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      position = { line = line, character = column + 1 },
    })
    local text = helpers.hover_text(hover)
    -- A count of rules, such as "34 rules" or "**34** corpus rules" before the Markdown
    -- emphasis is removed.
    local plain = text:lower():gsub("[*_`]", "")
    local counted = plain:find("%d[%d,]*%s+rules?%f[%A]")
      or plain:find("%d[%d,]*%s+%a+%s+rules?%f[%A]")
    expect(counted, "the hover on %s does not count rules:\n%s", field, text)
  end)
end

-- Whether a code action fixes a `lint` finding, rather than suppressing it or fixing all.
local function is_fix_for(action, lint)
  local title = (action.title or ""):lower()
  if title:find("^suppress") or title:find("^apply every") then
    return false
  end
  local diagnostics = action.diagnostics or {}
  if #diagnostics == 0 then
    return true
  end
  for _, diagnostic in ipairs(diagnostics) do
    if diagnostic.code == lint then
      return true
    end
  end
  return false
end

-- Returns the first code action that fixes `diagnostic` by adding an exclusion.
local function exclusion_action(bufnr, diagnostic, lint)
  local actions = helpers.request(bufnr, "textDocument/codeAction", {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = diagnostic.range,
    context = { diagnostics = { diagnostic }, only = { "quickfix" } },
  })
  expect(actions and #actions > 0, "no code action for %s", lint)
  for _, action in ipairs(actions) do
    if is_fix_for(action, lint) then
      return action
    end
  end
  error("no fix for " .. lint .. " among: " .. vim.inspect(actions))
end

--- Opens `fixture`, expects a `lint` diagnostic, applies its exclusion code action and
--- expects the buffer to change and the finding to go.
function M.exclusion_fix(fixture, lint)
  helpers.run(function()
    helpers.setup({ settings = M.settings })
    local bufnr = helpers.open(helpers.fixture(fixture))
    local client = helpers.client_for(bufnr)

    local diagnostic = helpers.wait_for_lint(bufnr, lint)
    local action = exclusion_action(bufnr, diagnostic, lint)
    if action.edit == nil and action.data ~= nil then
      action = helpers.request(bufnr, "codeAction/resolve", action)
    end
    expect(action.edit ~= nil, "the exclusion action carries no edit: %s", vim.inspect(action))

    local before_text = helpers.buffer_text(bufnr)
    local before_publishes = #helpers.published
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding or "utf-16")
    local after_text = helpers.buffer_text(bufnr)
    expect(after_text ~= before_text, "the exclusion action left the buffer unchanged")
    local _, comments_before = before_text:gsub("rulelens:", "")
    local _, comments_after = after_text:gsub("rulelens:", "")
    expect(comments_after == comments_before,
      "the fix inserted a suppression comment rather than an exclusion")

    local diagnostics = helpers.wait_for("a publish after the fix", function()
      return helpers.last_publish(bufnr, before_publishes)
    end)
    for _, found in ipairs(diagnostics) do
      expect(found.code ~= lint, "%s is still reported after the fix: %s", lint, found.message)
      expect(not tostring(found.code):find("^syntax/"), "the fixed rule has a syntax error: %s",
        found.message)
    end
  end)
end

return M

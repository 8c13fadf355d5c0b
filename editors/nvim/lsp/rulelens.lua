-- The RuleLens server for `vim.lsp.enable("rulelens")` on Neovim 0.11 and newer.
--
-- The `root_dir` function starts the server only for buffers that hold a rule, so YAML and
-- TOML files that are not rules (CI pipelines, manifests) never get it. Settings use the keys
-- of `.rulelens.toml` plus `debounceMs`, `logLevel` and `indexPath`; override them with
-- `vim.lsp.config("rulelens", { settings = { ... } })`.

return {
  cmd = { "rulelens", "server" },
  filetypes = { "kql", "spl", "yaml", "toml" },
  root_markers = { ".rulelens.toml", ".git" },
  settings = vim.empty_dict(),
  init_options = vim.empty_dict(),
  root_dir = function(bufnr, on_dir)
    if not require("rulelens.detect").buffer_rule_format(bufnr) then
      return
    end
    on_dir(require("rulelens").root_dir(bufnr))
  end,
}

" Filetypes of plain query files that the RuleLens server reads. Kept in Vimscript because
" Neovim 0.7 sources ftdetect files only through filetype.vim.
autocmd BufRead,BufNewFile *.kql,*.kusto,*.csl setfiletype kql
autocmd BufRead,BufNewFile *.spl setfiletype spl

/** The status bar item: the server's state, and a click that shows the output channel. */

import * as vscode from 'vscode';

export class StatusItem implements vscode.Disposable {
    private readonly item: vscode.StatusBarItem;

    constructor() {
        this.item = vscode.window.createStatusBarItem(
            'rulelens.status',
            vscode.StatusBarAlignment.Right,
            100,
        );
        this.item.name = 'RuleLens';
        this.item.command = 'rulelens.showOutput';
        this.showStarting();
        this.item.show();
    }

    showStarting(): void {
        this.set('$(sync~spin) RuleLens', 'RuleLens: starting the server');
    }

    showRunning(executable: string): void {
        this.set('$(check) RuleLens', `RuleLens: running ${executable}`);
    }

    showStopped(): void {
        this.set(
            '$(error) RuleLens',
            'RuleLens: the server is not running. Run "RuleLens: Restart the Language Server".',
            new vscode.ThemeColor('statusBarItem.errorBackground'),
        );
    }

    showMissing(problem: string): void {
        this.set(
            '$(error) RuleLens',
            `RuleLens: ${problem}`,
            new vscode.ThemeColor('statusBarItem.errorBackground'),
        );
    }

    dispose(): void {
        this.item.dispose();
    }

    private set(text: string, tooltip: string, background?: vscode.ThemeColor): void {
        this.item.text = text;
        this.item.tooltip = tooltip;
        this.item.backgroundColor = background;
    }
}

/** Finds the `rulelens` executable: the configured path, else `rulelens` on `PATH`. */

import * as fs from 'node:fs';
import * as path from 'node:path';

/** The executable's name looked up on `PATH`. */
export const EXECUTABLE_NAME = process.platform === 'win32' ? 'rulelens.exe' : 'rulelens';

/** The resolved executable, or a message saying why there is none and what to do. */
export type Resolution = { path: string } | { problem: string };

function isExecutableFile(candidate: string): boolean {
    try {
        if (!fs.statSync(candidate).isFile()) {
            return false;
        }
        fs.accessSync(candidate, fs.constants.X_OK);
        return true;
    } catch {
        return false;
    }
}

/**
 * Resolves the server executable. `configured` is the `rulelens.server.path` setting; a
 * relative path is taken from `workspaceFolder` when there is one.
 */
export function resolveServer(
    configured: unknown,
    envPath: string | undefined,
    workspaceFolder?: string,
): Resolution {
    if (configured !== undefined && configured !== null && configured !== '') {
        if (typeof configured !== 'string') {
            return {
                problem: `rulelens.server.path is ${JSON.stringify(configured)}: set it to the path of the rulelens executable`,
            };
        }
        const absolute =
            path.isAbsolute(configured) || workspaceFolder === undefined
                ? configured
                : path.join(workspaceFolder, configured);
        if (isExecutableFile(absolute)) {
            return { path: absolute };
        }
        return {
            problem: `rulelens.server.path is ${absolute}, which is not an executable file: fix the setting or clear it to use rulelens from PATH`,
        };
    }

    for (const folder of (envPath ?? '').split(path.delimiter)) {
        if (folder === '') {
            continue;
        }
        const candidate = path.join(folder, EXECUTABLE_NAME);
        if (isExecutableFile(candidate)) {
            return { path: candidate };
        }
    }
    return {
        problem: `${EXECUTABLE_NAME} was not found on PATH: install it (cargo install --path server in the RuleLens repository) or set rulelens.server.path`,
    };
}

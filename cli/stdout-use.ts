/**
 * Whether stdout carries an archive (save, export without -o). A listing whose reader goes away
 * (`berth images | head -1`) ends quietly with the SIGPIPE status as podman does; an archive
 * cut short is a failed command that must say so (cli/main.ts reads this).
 */
export const stdoutArchive = { active: false };

/** A failure the user can act on (a missing checkpoint, an existing folder): printed without a stack, exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode = 1;
}

/**
 * Positions in a rule file. Every AST node and every diagnostic carries a
 * range so that any mistake, however late it is found, points at the text
 * the user wrote.
 */

/** line and column are 1-based (as editors show them); offset is 0-based. */
export interface Position {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

/** `end` is exclusive. */
export interface SourceRange {
  readonly start: Position;
  readonly end: Position;
}

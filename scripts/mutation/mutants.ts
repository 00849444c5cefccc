// Single-token mutants of TypeScript sources, found on the syntax tree (so nothing in comments, strings,
// types or imports is touched). Each mutant replaces one token, or wraps one returned expression.
import ts from 'typescript';

export interface Mutant {
  /** Path relative to the repository root. */
  file: string;
  line: number;
  start: number;
  end: number;
  original: string;
  replacement: string;
  kind: string;
}

/** Operator swaps: arithmetic, boundaries of comparisons, equality, logic, compound assignment. */
const operatorSwaps: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.PlusToken]: '-',
  [ts.SyntaxKind.MinusToken]: '+',
  [ts.SyntaxKind.AsteriskToken]: '/',
  [ts.SyntaxKind.SlashToken]: '*',
  [ts.SyntaxKind.PercentToken]: '*',
  [ts.SyntaxKind.AsteriskAsteriskToken]: '*',
  [ts.SyntaxKind.LessThanToken]: '<=',
  [ts.SyntaxKind.LessThanEqualsToken]: '<',
  [ts.SyntaxKind.GreaterThanToken]: '>=',
  [ts.SyntaxKind.GreaterThanEqualsToken]: '>',
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: '!==',
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: '===',
  [ts.SyntaxKind.EqualsEqualsToken]: '!=',
  [ts.SyntaxKind.ExclamationEqualsToken]: '==',
  [ts.SyntaxKind.AmpersandAmpersandToken]: '||',
  [ts.SyntaxKind.BarBarToken]: '&&',
  [ts.SyntaxKind.PlusEqualsToken]: '-=',
  [ts.SyntaxKind.MinusEqualsToken]: '+=',
  [ts.SyntaxKind.AsteriskEqualsToken]: '/=',
  [ts.SyntaxKind.SlashEqualsToken]: '*=',
};

/** Swaps of a called name: tensor methods and ops, Math functions. */
const nameSwaps: Record<string, string> = {
  add: 'sub', sub: 'add', mul: 'div', div: 'mul', max: 'min', min: 'max', floor: 'ceil', ceil: 'floor',
  lt: 'le', le: 'lt', gt: 'ge', ge: 'gt', sum: 'mean', mean: 'sum', exp: 'log', log: 'exp',
};

/** Inside these the code only builds an error message (the condition that throws is still mutated). */
const isErrorMessage = (node: ts.Node): boolean => ts.isThrowStatement(node);

/** Names a free-function swap may use: declared or imported in the file, so the mutant runs rather than failing to resolve. */
function namesInScope(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if ((ts.isImportSpecifier(node) || ts.isFunctionDeclaration(node) || ts.isVariableDeclaration(node)) && node.name && ts.isIdentifier(node.name)) names.add(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

/**
 * Every mutant of one file. `checker` tells string `+` (skipped: concatenation, not arithmetic) and the
 * type of returned expressions (booleans are negated, numbers negated).
 */
export function mutantsOf(source: ts.SourceFile, file: string, checker: ts.TypeChecker): Mutant[] {
  const mutants: Mutant[] = [];
  const inScope = namesInScope(source);
  const add = (node: ts.Node, replacement: string, kind: string, start = node.getStart(source), end = node.getEnd()): void => {
    const line = source.getLineAndCharacterOfPosition(start).line + 1;
    mutants.push({ file, line, start, end, original: source.text.slice(start, end), replacement, kind });
  };
  const isString = (e: ts.Expression): boolean => (checker.getTypeAtLocation(e).flags & ts.TypeFlags.StringLike) !== 0;

  const visit = (node: ts.Node): void => {
    if (ts.isTypeNode(node) || ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || isErrorMessage(node)) return;
    if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isEnumDeclaration(node)) return;
    if (ts.isBinaryExpression(node)) {
      const swap = operatorSwaps[node.operatorToken.kind];
      const concatenates = (node.operatorToken.kind === ts.SyntaxKind.PlusToken || node.operatorToken.kind === ts.SyntaxKind.PlusEqualsToken) && (isString(node.left) || isString(node.right));
      if (swap !== undefined && !concatenates) add(node.operatorToken, swap, 'operator');
    } else if (ts.isNumericLiteral(node)) {
      const value = Number(node.text);
      if (Number.isInteger(value)) {
        const literal = (v: number): string => (v < 0 ? `(${v})` : String(v)); // parenthesised: `a-1` must not become `a--1`
        add(node, literal(value + 1), 'constant +1');
        add(node, literal(value - 1), 'constant -1');
      }
    } else if (node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword) {
      add(node, node.kind === ts.SyntaxKind.TrueKeyword ? 'false' : 'true', 'boolean');
    } else if (ts.isPrefixUnaryExpression(node) && (node.operator === ts.SyntaxKind.MinusToken || node.operator === ts.SyntaxKind.ExclamationToken)) {
      add(node, '', node.operator === ts.SyntaxKind.MinusToken ? 'unary minus dropped' : 'negation dropped', node.getStart(source), node.getStart(source) + 1);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const name = ts.isPropertyAccessExpression(callee) ? callee.name : ts.isIdentifier(callee) ? callee : undefined;
      const swap = name ? nameSwaps[name.text] : undefined;
      if (name && swap !== undefined && (ts.isPropertyAccessExpression(callee) || inScope.has(swap))) add(name, swap, 'call swap');
    } else if (ts.isReturnStatement(node) && node.expression) {
      const e = node.expression;
      const type = checker.getTypeAtLocation(e);
      if (type.flags & ts.TypeFlags.BooleanLike) add(e, `!(${e.getText(source)})`, 'return negated');
      else if (type.flags & ts.TypeFlags.NumberLike) add(e, `-(${e.getText(source)})`, 'return negated');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return mutants;
}

/** Apply one mutant to its file's text. */
export const applyMutant = (text: string, m: Mutant): string => text.slice(0, m.start) + m.replacement + text.slice(m.end);

/** A type-checked program over the repository's tsconfig, for {@link mutantsOf}. */
export function loadProgram(root: string, files: readonly string[]): ts.Program {
  const configPath = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json')!;
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  return ts.createProgram(files, options);
}

/** mulberry32: a small seeded generator, so a seed names one sample of mutants. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

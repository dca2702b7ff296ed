/**
 * The grammar, as a Chevrotain CstParser. Rules are class fields so that a
 * misspelt subrule is a compile error. The parser only recognises shape; the
 * checker (check.ts) decides what names mean.
 *
 *   file      := (letDecl | ruleBlock | oneLiner)*
 *   oneLiner  := when (except | for | keep)* then
 *   ruleBlock := 'rule' STRING '{' clause* '}'
 *   trigger   := NAME '(' selector ')' CMP literal ['within' NUMBER] ['by' names]   (window)
 *              | selector ['not'] 'followed' 'by' selector 'within' NUMBER ['by' names]
 *              | selector ['by' names]
 *   selector  := NAME ['and' orExpr]
 */
import type { CstNode, TokenType } from 'chevrotain';
import { CstParser } from './chevrotain';
import * as T from './tokens';
import { parseErrorMessages } from './parse_messages';

export class RuleParser extends CstParser {
  /**
   * `validate` runs Chevrotain's grammar checks (ambiguities, left recursion):
   * a test does, so every command need not pay for them at start-up.
   */
  constructor(options: { validate?: boolean } = {}) {
    super(T.ALL_TOKENS, {
      recoveryEnabled: true,
      nodeLocationTracking: 'full',
      errorMessageProvider: parseErrorMessages,
      maxLookahead: 3,
      skipValidations: options.validate !== true,
    });
    this.performSelfAnalysis();
  }

  public file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.item));
  });

  public item = this.RULE('item', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.letDecl) }, { ALT: () => this.SUBRULE(this.ruleBlock) }, { ALT: () => this.SUBRULE(this.oneLiner) }]);
  });

  public letDecl = this.RULE('letDecl', () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Assign);
    this.OR([{ ALT: () => this.SUBRULE(this.list) }, { ALT: () => this.SUBRULE(this.orExpr) }]);
  });

  public ruleBlock = this.RULE('ruleBlock', () => {
    this.CONSUME(T.Rule);
    this.CONSUME(T.StringLiteral);
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.clause));
    this.CONSUME(T.RBrace);
  });

  public oneLiner = this.RULE('oneLiner', () => {
    this.SUBRULE(this.whenClause);
    this.MANY(() =>
      this.OR([{ ALT: () => this.SUBRULE(this.exceptClause) }, { ALT: () => this.SUBRULE(this.forClause) }, { ALT: () => this.SUBRULE(this.keepClause) }]),
    );
    this.SUBRULE(this.thenClause);
  });

  public clause = this.RULE('clause', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.whenClause) },
      { ALT: () => this.SUBRULE(this.exceptClause) },
      { ALT: () => this.SUBRULE(this.forClause) },
      { ALT: () => this.SUBRULE(this.keepClause) },
      { ALT: () => this.SUBRULE(this.severityClause) },
      { ALT: () => this.SUBRULE(this.summaryClause) },
      { ALT: () => this.SUBRULE(this.descriptionClause) },
      { ALT: () => this.SUBRULE(this.runbookClause) },
      { ALT: () => this.SUBRULE(this.labelsClause) },
      { ALT: () => this.SUBRULE(this.cooldownClause) },
      { ALT: () => this.SUBRULE(this.thenClause) },
    ]);
  });

  public whenClause = this.RULE('whenClause', () => {
    this.CONSUME(T.When);
    this.OR([
      {
        GATE: () => this.LA(2).tokenType === T.LParen,
        ALT: () => this.SUBRULE(this.windowTrigger),
      },
      { ALT: () => this.SUBRULE(this.eventTrigger) },
    ]);
  });

  public windowTrigger = this.RULE('windowTrigger', () => {
    this.CONSUME(T.Identifier, { LABEL: 'fn' });
    this.CONSUME(T.LParen);
    this.SUBRULE(this.selector);
    this.CONSUME(T.RParen);
    this.CONSUME(T.CompareOp);
    this.SUBRULE(this.literal);
    this.OPTION(() => {
      this.CONSUME(T.Within);
      this.CONSUME(T.NumberLiteral, { LABEL: 'within' });
    });
    this.OPTION2(() => this.SUBRULE(this.byList));
  });

  public eventTrigger = this.RULE('eventTrigger', () => {
    this.SUBRULE(this.selector, { LABEL: 'first' });
    this.OPTION(() =>
      this.OR([
        {
          ALT: () => {
            this.OPTION2(() => this.CONSUME(T.Not));
            this.CONSUME(T.Followed);
            this.CONSUME(T.By);
            this.SUBRULE2(this.selector, { LABEL: 'second' });
            this.CONSUME(T.Within);
            this.CONSUME(T.NumberLiteral, { LABEL: 'within' });
            this.OPTION3(() => this.SUBRULE(this.byList));
          },
        },
        // an event rule's own alert per value: `when oom.victim by cgroup`
        { ALT: () => this.SUBRULE2(this.byList) },
      ]),
    );
  });

  public selector = this.RULE('selector', () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.And);
      this.SUBRULE(this.orExpr);
    });
  });

  public byList = this.RULE('byList', () => {
    this.CONSUME(T.By);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier) });
  });

  public exceptClause = this.RULE('exceptClause', () => {
    this.CONSUME(T.Except);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LBrace);
          this.AT_LEAST_ONE(() => this.SUBRULE(this.orExpr));
          this.CONSUME(T.RBrace);
        },
      },
      { ALT: () => this.SUBRULE2(this.orExpr) },
    ]);
  });

  public forClause = this.RULE('forClause', () => {
    this.CONSUME(T.For);
    this.CONSUME(T.NumberLiteral);
  });

  public keepClause = this.RULE('keepClause', () => {
    this.CONSUME(T.Keep);
    this.CONSUME(T.Firing);
    this.CONSUME(T.For);
    this.CONSUME(T.NumberLiteral);
  });

  public severityClause = this.RULE('severityClause', () => {
    this.CONSUME(T.Severity);
    this.CONSUME(T.Identifier);
  });

  public summaryClause = this.RULE('summaryClause', () => {
    this.CONSUME(T.Summary);
    this.CONSUME(T.StringLiteral);
  });

  public descriptionClause = this.RULE('descriptionClause', () => {
    this.CONSUME(T.Description);
    this.CONSUME(T.StringLiteral);
  });

  public runbookClause = this.RULE('runbookClause', () => {
    this.CONSUME(T.Runbook);
    this.CONSUME(T.StringLiteral);
  });

  public labelsClause = this.RULE('labelsClause', () => {
    this.CONSUME(T.Labels);
    this.CONSUME(T.LBrace);
    this.commaSeparated(this.label, T.RBrace);
    this.CONSUME(T.RBrace);
  });

  public label = this.RULE('label', () => {
    this.CONSUME(T.AnyWord);
    this.CONSUME(T.Assign);
    this.CONSUME(T.StringLiteral);
  });

  public cooldownClause = this.RULE('cooldownClause', () => {
    this.CONSUME(T.Cooldown);
    this.CONSUME(T.NumberLiteral);
  });

  public thenClause = this.RULE('thenClause', () => {
    this.CONSUME(T.Then);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.action) });
  });

  public action = this.RULE('action', () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.MANY_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.StringLiteral) });
      this.CONSUME(T.RParen);
    });
  });

  public orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr);
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.andExpr);
    });
  });

  public andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.notExpr);
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.notExpr);
    });
  });

  // recursion depth is bounded before parsing starts (nesting_guard.ts)
  public notExpr = this.RULE('notExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  public primary = this.RULE('primary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.orExpr);
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.predicate) },
    ]);
  });

  public predicate = this.RULE('predicate', () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() =>
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.CompareOp);
            this.SUBRULE(this.literal);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.In);
            this.SUBRULE(this.listOrName);
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Matches);
            this.OR2([{ ALT: () => this.CONSUME(T.StringLiteral) }, { ALT: () => this.SUBRULE2(this.listOrName) }]);
          },
        },
      ]),
    );
  });

  public listOrName = this.RULE('listOrName', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.list) }, { ALT: () => this.CONSUME(T.Identifier) }]);
  });

  public list = this.RULE('list', () => {
    this.CONSUME(T.LBracket);
    this.commaSeparated(this.literal, T.RBracket);
    this.CONSUME(T.RBracket);
  });

  /**
   * `item, item, ...` before `close`, possibly empty, a trailing comma
   * allowed: a multi-line list then grows by one line per item in review.
   */
  private commaSeparated(item: () => CstNode, close: TokenType): void {
    this.OPTION(() => {
      this.SUBRULE(item);
      this.MANY({
        GATE: () => this.LA(2).tokenType !== close,
        DEF: () => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(item);
        },
      });
      this.OPTION2(() => this.CONSUME2(T.Comma));
    });
  }

  public literal = this.RULE('literal', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
    ]);
  });
}

/** One parser for the process: self-analysis costs milliseconds, parsing reuses it. */
export const ruleParser = new RuleParser();

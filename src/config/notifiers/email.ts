/** `type: email`: SMTP; a rule may name recipients, `then mail("dba@example.com")`, sent instead of `to`. */
import { isEmailAddress } from '../formats';
import { EMAIL_ADDRESS, SECRET_FILE, SECRET_NAME, type NotifierCommon, type NotifierKind, type Raw } from './kind';

export type SmtpTls = 'starttls' | 'tls' | 'none';

export interface EmailConfig extends NotifierCommon {
  readonly type: 'email';
  readonly smtp: {
    readonly host: string;
    readonly port: number;
    readonly tls: SmtpTls;
    readonly tlsVerify: boolean;
    readonly ca?: string;
    readonly user?: string;
    readonly password?: string;
  };
  readonly from: string;
  readonly to: readonly string[];
}

export const email: NotifierKind<EmailConfig> = {
  type: 'email',
  schema: {
    required: ['smtp', 'from', 'to'],
    properties: {
      smtp: {
        type: 'object',
        additionalProperties: false,
        required: ['host'],
        properties: {
          host: { type: 'string', minLength: 1 },
          port: { type: 'integer', minimum: 1, maximum: 65535 },
          tls: { enum: ['starttls', 'tls', 'none'] },
          tls_verify: { type: 'boolean' },
          ca_file: { type: 'string', minLength: 1 },
          user: { type: 'string', minLength: 1 },
          user_env: SECRET_NAME,
          user_file: SECRET_FILE,
          password: { type: 'string' },
          password_env: SECRET_NAME,
          password_file: SECRET_FILE,
        },
      },
      from: EMAIL_ADDRESS,
      to: { type: 'array', minItems: 1, items: EMAIL_ADDRESS },
    },
  },
  build(n, at, common, b) {
    const smtp = n.smtp as Raw;
    const smtpAt = [...at, 'smtp'];
    const tls = (smtp.tls as SmtpTls | undefined) ?? 'starttls';
    const user = b.secret(smtp, smtpAt, 'user', false);
    const password = b.secret(smtp, smtpAt, 'password', false);
    const given = (key: string): boolean => [key, `${key}_env`, `${key}_file`].some((k) => smtp[k] !== undefined);
    if (given('user') !== given('password')) b.problem(smtpAt, 'set both a user and a password, or neither');
    const ca = typeof smtp.ca_file === 'string' ? b.readFile([...smtpAt, 'ca_file'], smtp.ca_file) : undefined;
    return {
      ...common,
      type: 'email',
      smtp: {
        host: smtp.host as string,
        port: (smtp.port as number | undefined) ?? (tls === 'tls' ? 465 : tls === 'starttls' ? 587 : 25),
        tls,
        tlsVerify: smtp.tls_verify !== false,
        ca,
        user,
        password,
      },
      from: n.from as string,
      to: n.to as string[],
    };
  },
  checkArgs(_name, args) {
    const bad = args.find((a) => !isEmailAddress(a));
    return bad !== undefined ? `'${bad}' is not an email address` : undefined;
  },
};

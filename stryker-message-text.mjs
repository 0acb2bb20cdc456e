// A Stryker ignorer (issue 17, docs/testing.md): mutants of human-readable message text are not
// counted. A mutant is ignored when it lies inside a string or template literal that is
//  - the message of a decision failure: the third argument of `failure(reason, rule, message)`
//    or the argument of softOptIn's `notApplicable(why)` (the reason code, first argument, stays
//    mutated: it is the behaviour);
//  - the message of an error: the last text argument of `new SomethingError(...)` or `new Error(...)`
//    (so the AWS error code of `new SignatureError(code, message)` is still mutated).
// Every other literal (reason codes, rule ids, placeholders, header names, keywords) is mutated.
const MESSAGE_ARGUMENT = { failure: 2, notApplicable: 0 };

const isText = (node) => node?.type === 'StringLiteral' || node?.type === 'TemplateLiteral';

function calleeName(callee) {
  if (callee?.type === 'Identifier') return callee.name;
  if (callee?.type === 'MemberExpression' && callee.property?.type === 'Identifier')
    return callee.property.name;
  return undefined;
}

/** @type {{ shouldIgnore(path: any): string | undefined }} */
const messageText = {
  shouldIgnore(path) {
    if (!isText(path.node)) return undefined;
    if (path.listKey !== 'arguments') return undefined;
    const call = path.parentPath?.node;
    const name = calleeName(call?.callee);
    if (name === undefined) return undefined;
    if (call.type === 'NewExpression' && /Error$/.test(name)) {
      // The message is the last text argument: `new SignatureError(code, message)` keeps its code mutated.
      const texts = call.arguments.flatMap((a, i) => (isText(a) ? [i] : []));
      return path.key === texts.at(-1) ? 'message text (error message)' : undefined;
    }
    if (call.type === 'CallExpression' && MESSAGE_ARGUMENT[name] === path.key) {
      return 'message text (decision failure message)';
    }
    return undefined;
  },
};

export const strykerPlugins = [{ kind: 'Ignore', name: 'message-text', value: messageText }];

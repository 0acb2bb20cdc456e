// A Stryker ignorer (issue 17, docs/testing.md): mutants of human-readable message text are not
// counted. A mutant is ignored when it lies inside a string or template literal that is
//  - the message of a decision failure: the third argument of `failure(reason, rule, message)`
//    or the argument of softOptIn's `notApplicable(why)` (the reason code, first argument, stays
//    mutated: it is the behaviour);
//  - the message of an error: any argument of `new SomethingError(...)` or `new Error(...)`.
// Every other literal (reason codes, rule ids, placeholders, header names, keywords) is mutated.
const MESSAGE_ARGUMENT = { failure: 2, notApplicable: 0 };

function calleeName(callee) {
  if (callee?.type === 'Identifier') return callee.name;
  if (callee?.type === 'MemberExpression' && callee.property?.type === 'Identifier')
    return callee.property.name;
  return undefined;
}

/** @type {{ shouldIgnore(path: any): string | undefined }} */
const messageText = {
  shouldIgnore(path) {
    const type = path.node?.type;
    if (type !== 'StringLiteral' && type !== 'TemplateLiteral') return undefined;
    if (path.listKey !== 'arguments') return undefined;
    const call = path.parentPath?.node;
    const name = calleeName(call?.callee);
    if (name === undefined) return undefined;
    if (call.type === 'NewExpression' && /Error$/.test(name)) return 'message text (error message)';
    if (call.type === 'CallExpression' && MESSAGE_ARGUMENT[name] === path.key) {
      return 'message text (decision failure message)';
    }
    return undefined;
  },
};

export const strykerPlugins = [{ kind: 'Ignore', name: 'message-text', value: messageText }];

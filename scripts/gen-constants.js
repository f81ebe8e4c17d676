// Writes dist/constants.js: the kinds, indices and layouts the JavaScript wrapper
// shares with the C core, read from the C headers, which are their one source.
// build.sh runs it, beside the .wasm it builds from the same sources, when the
// file is missing or a header is newer (dist/ is not committed: a clone builds
// it, and the npm package ships it); test/constants.test.js checks that it is
// current and agrees with what the C compiler sees.
//
// The headers hold two forms this script reads:
//   - X-macro lists, `#define SN_LOSSES(X) X(SN_LOSS_MSE, 0, "meanSquaredError") ...`,
//     whose arguments are numbers, constants or "strings";
//   - enums, `enum sn_sum { SN_SUM_ROWS = 0, ... }`, with implicit values,
//     constant expressions (+ - * / and parentheses, as C computes them) and
//     X-macro lists expanded as `kind = value,`.
//
// Usage: node scripts/gen-constants.js
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const HEADERS = ['c/kernels.h', 'c/init.h', 'c/losses.h', 'c/schedule.h', 'c/optimizer.h', 'c/optimizer_kinds.h', 'c/model_file.h', 'c/layer.h', 'c/model.h', 'c/conv_kernels.h', 'c/api.h'];
const OUTPUT = 'dist/constants.js';

/** The headers' text without comments, continued lines joined. */
function headerText(root) {
  return HEADERS.map((h) => readFileSync(join(root, h), 'utf8')).join('\n')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/.*$/gm, '')
    .replace(/\\\n/g, ' ');
}

/** { SN_LOSSES: [['SN_LOSS_MSE', '0', '"meanSquaredError"'], ...], ... }: every `#define NAME(X) X(...) ...`. */
function xLists(text) {
  const lists = {};
  for (const [, name, body] of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+(\w+)\(X\)(.*)$/gm)) {
    if (body.replace(/X\([^()]*\)/g, '').trim() !== '') throw new Error(`${name}: expected only X(...) entries, got ${body.trim()}`);
    lists[name] = [...body.matchAll(/X\(([^()]*)\)/g)].map(([, args]) => args.split(',').map((a) => a.trim()));
  }
  return lists;
}

/**
 * A C constant expression's value: integer and floating literals, INFINITY, known
 * constants, + - * / << and parentheses. As in C, / of two integers truncates;
 * with a floating operand it divides (so 1.0 / 6 is 1/6, 1 / 6 is 0).
 */
function evaluate(expr, values) {
  const tokens = expr.match(/\d+\.?\d*(?:e[-+]?\d+)?f?|\w+|<<|[-+*/()]|\S/gi) ?? [];
  let i = 0;
  const fail = (why) => {
    throw new Error(`cannot evaluate ${JSON.stringify(expr)}: ${why}`);
  };
  // Each operand is [value, floating].
  const primary = () => {
    const t = tokens[i++];
    if (t === '(') {
      const v = shift();
      if (tokens[i++] !== ')') fail('missing )');
      return v;
    }
    if (t === '-') {
      const [v, floating] = primary();
      return [-v, floating];
    }
    if (/^\d+$/.test(t ?? '')) return [Number(t), false];
    if (/^\d/.test(t ?? '')) return [Number(t.replace(/f$/i, '')), true];
    if (t === 'INFINITY') return [Infinity, true];
    if (Object.hasOwn(values, t ?? '')) return [values[t], false];
    return fail(`unknown ${t === undefined ? 'end' : JSON.stringify(t)}`);
  };
  const product = () => {
    let [v, floating] = primary();
    while (tokens[i] === '*' || tokens[i] === '/') {
      const op = tokens[i++], [w, wf] = primary();
      floating ||= wf;
      v = op === '*' ? v * w : floating ? v / w : Math.trunc(v / w);
    }
    return [v, floating];
  };
  const sum = () => {
    let [v, floating] = product();
    while (tokens[i] === '+' || tokens[i] === '-') {
      const op = tokens[i++], [w, wf] = product();
      v = op === '+' ? v + w : v - w;
      floating ||= wf;
    }
    return [v, floating];
  };
  const shift = () => {
    let v = sum();
    while (tokens[i] === '<<') {
      i++;
      v = [v[0] * 2 ** sum()[0], false];
    }
    return v;
  };
  const [v] = shift();
  if (i !== tokens.length) fail(`unexpected ${tokens[i]}`);
  return v;
}

/** Every enum constant's value, and each tagged enum's constants in order. */
function enums(text, lists) {
  const values = {};
  const members = {};
  const code = text.replace(/^[ \t]*#.*$/gm, ''); // the X-macro definitions and #include lines
  for (const [, tag, body] of code.matchAll(/\benum\s*(\w*)\s*\{([^}]*)\}/g)) {
    // LIST(X) gives each entry its value; LIST(OTHER_MACRO) lists the entries in order (implicit values).
    const expanded = body.replace(/(\w+)\((\w+)\)/g, (_, list, macro) =>
      lists[list].map(([kind, value]) => (macro === 'X' ? `${kind} = ${value},` : `${kind},`)).join(' '));
    let next = 0;
    const names = [];
    for (const item of expanded.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [, name, expr] = item.match(/^(\w+)\s*(?:=\s*(.+))?$/s) ?? [];
      if (!name) throw new Error(`enum ${tag}: cannot read ${JSON.stringify(item)}`);
      values[name] = expr === undefined ? next : evaluate(expr, values);
      next = values[name] + 1;
      names.push(name);
    }
    if (tag) members[tag] = names;
  }
  return { values, members };
}

/** The tables of dist/constants.js, each with the comment that says where it comes from. */
export function constants(root = ROOT) {
  const text = headerText(root);
  const lists = xLists(text);
  const { values, members } = enums(text, lists);
  const list = (name) => {
    if (!lists[name]) throw new Error(`no list ${name}(X) in ${HEADERS.join(', ')}`);
    return lists[name].map((args) => args.map((a) => (a.startsWith('"') ? JSON.parse(a) : evaluate(a, values))));
  };
  const value = (name) => {
    if (!Object.hasOwn(values, name)) throw new Error(`no constant ${name} in ${HEADERS.join(', ')}`);
    return values[name];
  };
  const byName = (name) => Object.fromEntries(list(name).map(([kind, , js]) => [js, kind]));
  const withParams = (name) => Object.fromEntries(list(name).map(([kind, , js, ...params]) => [js, { kind, params }]));
  const wholeEnum = (tag, prefix) => Object.fromEntries(members[tag].map((c) => [c.slice(prefix.length), value(c)]));
  const picked = (names) => Object.fromEntries(Object.entries(names).map(([key, c]) => [key, value(c)]));

  const optimizers = Object.fromEntries(list('SN_OPTIMIZERS').map(([kind, , js]) => [js, { kind, hp: {} }]));
  const optimizerOf = Object.fromEntries(Object.entries(optimizers).map(([js, o]) => [o.kind, js]));
  for (const [kind, index, js] of list('SN_OPT_HYPER_PARAMETERS')) {
    const { hp } = optimizers[optimizerOf[kind]];
    if (index !== Object.keys(hp).length + 1)
      throw new Error(`SN_OPT_HYPER_PARAMETERS: ${optimizerOf[kind]} ${js} is hp[${index}], expected hp[${Object.keys(hp).length + 1}] (each kind's from hp[1], in order)`);
    hp[js] = index;
  }

  const activationName = Object.fromEntries(list('SN_ACTIVATIONS').map(([kind, , js]) => [kind, js]));
  return [
    ['ACTIVATION', "SN_ACTIVATIONS in c/kernels.h: each activation's kind, by its name in the API.", byName('SN_ACTIVATIONS')],
    ['ACTIVATION_PARAMETER', "SN_ACT_PARAMETERS in c/kernels.h: the activations an activation spec gives a parameter: its option's name,\n" +
      "Keras' default, and the range C accepts.", Object.fromEntries(list('SN_ACT_PARAMETERS').map(([kind, key, value, min, max]) =>
      [activationName[kind], { key, value, min, max }]))],
    ['ACTIVATION_ALIAS', "SN_ACT_ALIASES in c/kernels.h: Keras' and TF.js' other names of activations, and the name each stands for.",
      Object.fromEntries(list('SN_ACT_ALIASES').map(([kind, alias]) => [alias, activationName[kind]]))],
    ['INITIALIZER', "SN_INITIALIZERS in c/init.h: each initializer's kind and the names of its parameters a and b.",
      withParams('SN_INITIALIZERS')],
    ['LOSS', "SN_LOSSES in c/losses.h: each loss's kind.", byName('SN_LOSSES')],
    ['SUM', 'enum sn_sum in c/losses.h: the indices of the sums the C core accumulates, and their count.', wholeEnum('sn_sum', 'SN_SUM_')],
    ['FILE', 'c/model_file.h: the model-file version written, header sizes and flags.',
      picked({ VERSION: 'SN_FILE_VERSION', HEADER_BYTES: 'SN_FILE_HEADER_BYTES', V1_HEADER_BYTES: 'SN_FILE_V1_HEADER_BYTES', HAS_STATE: 'SN_FILE_HAS_STATE' })],
    ['FILE_STATUS', 'enum sn_file_status in c/model_file.h: what sn_file_parse and sn_file_restore return.', wholeEnum('sn_file_status', 'SN_FILE_')],
    ['FILE_INFO', "enum sn_file_info_field in c/model_file.h: the fields of sn_file_parse's info[COUNT].",
      wholeEnum('sn_file_info_field', 'SN_INFO_')],
    ['OPTIMIZER', "SN_OPTIMIZERS in c/optimizer.h and SN_OPT_HYPER_PARAMETERS in c/optimizer_kinds.h: each optimizer's kind\n" +
      "and where its hyper-parameters go in hp[].", optimizers],
    ['HP', 'c/optimizer.h: the hp[] layout every optimizer shares (SIZE = SN_OPT_MAX_HP floats).',
      picked({ LR: 'SN_HP_LR', CLIP_NORM: 'SN_HP_CLIP_NORM', CLIP_VALUE: 'SN_HP_CLIP_VALUE', GLOBAL_CLIP_NORM: 'SN_HP_GLOBAL_CLIP_NORM',
        WEIGHT_DECAY: 'SN_HP_WEIGHT_DECAY', SCHEDULE: 'SN_HP_SCHEDULE', SIZE: 'SN_OPT_MAX_HP' })],
    ['SCHEDULE', "SN_SCHEDULES in c/schedule.h: each learning-rate schedule's kind and its parameters' order in its block.",
      withParams('SN_SCHEDULES')],
    ['SCHEDULE_BLOCK', "c/schedule.h: a schedule block's size in floats and piecewiseConstantDecay's most boundaries.",
      picked({ SIZE: 'SN_SCHED_SIZE', MAX_BOUNDARIES: 'SN_SCHED_MAX_BOUNDARIES' })],
    ['LIMITS', "c/model.h and c/layer.h: a model's most weights, inputs and outputs, a node's most inputs, a sample's most values,\n" +
      'and the tensor slots of a node.',
      picked({ MAX_PARAMS: 'SN_MAX_PARAMS', MAX_ENDS: 'SN_MAX_ENDS', MAX_NODE_INPUTS: 'SN_MAX_NODE_INPUTS', MAX_SAMPLE_SIZE: 'SN_MAX_SAMPLE_SIZE',
        TENSOR_SLOTS: 'SN_MAX_TENSORS' })],
    ['MERGE', "SN_MERGE_OPS in c/model.h: each element-wise merge layer's operation, by its TF.js class name.", byName('SN_MERGE_OPS')],
    ['RECURRENT', "SN_RECURRENT_KINDS in c/model.h: the recurrent layer kinds, by their TF.js class name (a Bidirectional's inner kind).",
      byName('SN_RECURRENT_KINDS')],
    ['BIDIRECTIONAL_MERGE', "SN_BIDIRECTIONAL_MERGES in c/model.h: Bidirectional's merge modes (none: Keras' None, both outputs).",
      byName('SN_BIDIRECTIONAL_MERGES')],
    ['PADDING', "SN_PADDINGS in c/conv_kernels.h: each padding of the windowed layers, by its name in the API.", byName('SN_PADDINGS')],
    ['TENSOR_INFO', "enum sn_tensor_info_field in c/model.h: the fields sn_model_tensor_info writes of a weight, and their count.",
      wholeEnum('sn_tensor_info_field', 'SN_TINFO_')],
    ['FEATURE', "enum sn_build_feature in c/api.h: the bits of sn_build_features, what a module was compiled with.",
      wholeEnum('sn_build_feature', 'SN_FEATURE_')],
    ['WINDOW', "enum sn_window_why and sn_window_error in c/model.h: why sn_model_window_check refuses a node, and\n" +
      "sn_model_forward_window's errors.", { ...wholeEnum('sn_window_why', 'SN_WINDOW_'), ...wholeEnum('sn_window_error', 'SN_WINDOW_') }],
  ];
}

/**
 * A table as a JavaScript literal, starting `used` columns into a line that ends
 * `after` columns later: on that line when it fits in 120 columns, else one entry a line.
 */
function literal(value, indent = '', used = 0, after = 0) {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (!/^\w+$/.test(value)) throw new Error(`unexpected name ${JSON.stringify(value)}`);
    return `'${value}'`;
  }
  const isArray = Array.isArray(value);
  const inner = `${indent}  `;
  const entries = isArray
    ? value.map((v) => literal(v, inner, inner.length, 1))
    : Object.entries(value).map(([k, v]) => `${k}: ${literal(v, inner, inner.length + k.length + 2, 1)}`);
  if (entries.length === 0) return isArray ? '[]' : '{}';
  const line = isArray ? `[${entries.join(', ')}]` : `{ ${entries.join(', ')} }`;
  if (!line.includes('\n') && used + line.length + after <= 120) return line;
  return `${isArray ? '[' : '{'}\n${entries.map((e) => `${inner}${e},\n`).join('')}${indent}${isArray ? ']' : '}'}`;
}

/** The text of dist/constants.js. */
export function generate(root = ROOT) {
  const tables = constants(root).map(([name, doc, table]) =>
    `/** ${doc.replace(/\n/g, '\n * ')} */\nexport const ${name} = frozen(${literal(table, '', `export const ${name} = frozen(`.length, 2)});\n`);
  return `// Generated by scripts/gen-constants.js from the C headers
// ${HEADERS.join(', ')}.
// Do not edit: change the headers; \`bash build.sh\` (or \`node scripts/gen-constants.js\`) writes it again
// when one is newer than this file. test/constants.test.js fails when this file is not
// what the headers say.

/** Freezes a table and the tables inside it. */
function frozen(table) {
  for (const value of Object.values(table)) if (typeof value === 'object') frozen(value);
  return Object.freeze(table);
}

${tables.join('\n')}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  writeFileSync(join(ROOT, OUTPUT), generate());
  console.error(`gen-constants: wrote ${OUTPUT}`);
}

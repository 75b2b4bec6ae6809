import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

// Every ```ts and ```js block of README.md runs as written, each in its own process (tsx), so that
// a snippet that starts a backend (useThreadedWasm) or writes files changes nothing here. A block
// whose fence follows the line `<!-- continues -->` continues the block before it: it runs after
// that block's code, in the same process.
//
// The snippet files live in a scratch folder inside the repository (`.readme-snippets/`, ignored
// by git), where tsx finds tsconfig.json, whose `paths` map 'tfjs-lstm' and 'tfjs-lstm/node' to
// src/. Each file holds its code at the README's own line numbers, so a stack trace's line number
// is the README's. Line 1 (a README heading, never code) selects the `cpu` backend; a snippet that
// picks another (the Backends section's wasm) still can. A snippet runs in a scratch directory of
// its own, where the files it writes land and the repository's __tests__/ is linked in, so that
// the fixtures it reads are at their paths in the repository.

const root = path.join(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const readmePath = path.join(root, 'README.md');

const LANGUAGES = ['ts', 'typescript', 'js', 'javascript', 'mts', 'mjs'];
const CONTINUES = '<!-- continues -->';
// A block whose fence follows `<!-- jest: <test file> -->` is a jest test: it runs in the suite as
// that file, which must hold the block verbatim, instead of here through tsx.
const JEST = /^<!-- jest: (\S+) -->$/;
const PRELUDE = "import * as __readmeTf from '@tensorflow/tfjs'; await __readmeTf.setBackend('cpu');";

interface Block {
  heading: string;
  /** 1-based line number of the opening fence. */
  line: number;
  /** The block's lines, the first at README line `line + 1`. */
  lines: string[];
  /** The block this one continues (see CONTINUES). */
  continues?: Block;
  /** The jest test file that runs this block (see JEST). */
  jestFile?: string;
}

/** The ts/js code blocks of a Markdown document, with the heading each is under. */
function extractBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  let heading = '(top)';
  let open: Block | null = null;
  let inOtherFence = false;
  let lastText = '';
  for (const [k, text] of lines.entries()) {
    const fence = /^```\s*(\S*)/.exec(text);
    if (open) {
      if (/^```\s*$/.test(text)) {
        blocks.push(open);
        open = null;
      } else {
        open.lines.push(text);
      }
    } else if (inOtherFence) {
      if (fence) inOtherFence = false;
    } else if (fence) {
      if (LANGUAGES.includes(fence[1].toLowerCase())) {
        const continues = lastText === CONTINUES ? blocks[blocks.length - 1] : undefined;
        if (lastText === CONTINUES && !continues) throw new Error(`README.md:${k + 1}: nothing to continue`);
        open = { heading, line: k + 1, lines: [], continues, jestFile: JEST.exec(lastText)?.[1] };
      } else {
        inOtherFence = true;
      }
    } else if (/^#+\s/.test(text)) {
      heading = text.replace(/^#+\s*/, '');
    }
    if (text.trim() && !fence) lastText = text.trim();
  }
  if (open) throw new Error(`README.md:${open.line}: the code block is not closed`);
  return blocks;
}

/** The file a block runs as: its code, and that of the blocks it continues, at their README lines. */
function snippetSource(block: Block): string {
  const chain: Block[] = [];
  for (let b: Block | undefined = block; b; b = b.continues) chain.unshift(b);
  const lines: string[] = Array.from({ length: block.line + block.lines.length }, () => '');
  for (const b of chain) b.lines.forEach((text, k) => (lines[b.line + k] = text));
  lines[0] = PRELUDE;
  return lines.join('\n') + '\n';
}

const readme = fs.readFileSync(readmePath, 'utf8');
const blocks = extractBlocks(readme);

describe('README.md code blocks', () => {
  let scratch: string;
  beforeAll(() => {
    fs.mkdirSync(path.join(root, '.readme-snippets'), { recursive: true });
    scratch = fs.mkdtempSync(path.join(root, '.readme-snippets', 'run-'));
  });
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  test('are all found: as many as the ts/js fences in the file', () => {
    const fences = readme.match(new RegExp(`^\\s*\`\`\`\\s*(${LANGUAGES.join('|')})\\b`, 'gim')) ?? [];
    expect(fences.length).toBeGreaterThanOrEqual(5);
    expect(blocks.length).toBe(fences.length);
  });

  test(`the extractor runs a block marked ${CONTINUES} after the one before it, at README line numbers`, () => {
    const [a, b] = extractBlocks(
      '# A\n\n```ts\nconst x = 1;\n```\n\n<!-- continues -->\n\n```js\nconsole.log(x);\n```\n',
    );
    expect(b.continues).toBe(a);
    expect(snippetSource(b).split('\n')).toEqual([
      PRELUDE,
      '',
      '',
      'const x = 1;',
      '',
      '',
      '',
      '',
      '',
      'console.log(x);',
      '',
    ]);
  });

  test.each(blocks.filter((b) => b.jestFile).map((b) => [`${b.heading} (line ${b.line})`, b] as const))(
    '%s is in the jest test file that runs it, verbatim',
    (_name, block) => {
      const source = fs.readFileSync(path.join(root, block.jestFile as string), 'utf8');
      expect({ file: block.jestFile, holdsTheBlock: source.includes(block.lines.join('\n') + '\n') }).toEqual({
        file: block.jestFile,
        holdsTheBlock: true,
      });
    },
  );

  test.each(
    blocks.filter((b) => !b.jestFile).map((block) => [`${block.heading} (line ${block.line})`, block] as const),
  )('%s runs', (_name, block) => {
    const cwd = path.join(scratch, `line-${block.line}`);
    fs.mkdirSync(cwd);
    fs.symlinkSync(path.join(root, '__tests__'), path.join(cwd, '__tests__'));
    const file = path.join(cwd, `readme-line-${block.line}.mts`);
    fs.writeFileSync(file, snippetSource(block));
    const run = spawnSync(tsx, [file], { cwd, encoding: 'utf8', timeout: 100_000 });
    if (run.status !== 0) {
      const how = run.error ? String(run.error) : run.signal ? `signal ${run.signal}` : `exit code ${run.status}`;
      throw new Error(`README.md:${block.line} (${block.heading}) failed: ${how}\n${run.stderr}`);
    }
  });
});

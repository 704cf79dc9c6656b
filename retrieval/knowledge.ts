// The store's knowledge base: help-centre articles (Markdown with a front-matter block, one file per
// topic, fixtures/store/help/ for the demo store) indexed into the same FaqIndex as the mined
// transcript answers, as units of their own answer groups (`kb:<slug>#<anchor>`), so they never
// merge with transcript units and the retriever can prefer them (retrieval/answer.ts).
//
//   article.md ─ parseArticle ─> sections (## headings) ─ MarkdownTextSplitter ─> chunks ─> units
//
// Every chunk becomes one unit whose question-side text is "<title> — <heading>: <chunk text>", plus
// one unit per question written for its section (`<!-- Questions: a? | b? -->`), which match short
// customer messages far better than the prose does. Every unit of a section answers with the whole
// section as written (plain text, the store's numbers exact, no placeholder filling).
//
// Re-indexing is incremental: a unit's key is `kb:<chunk id>|<content hash>|<n>`, so the index
// itself records which version of each chunk it holds; unchanged chunks are skipped, changed ones
// replaced (old units removed, new ones added), and chunks of deleted sections or articles removed.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { MarkdownTextSplitter } from '@langchain/textsplitters';
import type { Config } from '../core/config.js';
import { progress as progressBar } from '../core/progress.js';
import type { Encoder } from '../nlu/encoder-types.js';
import type { QaUnit } from './extract.js';
import type { FaqIndex, SearchHit, StoredUnit } from './index-store.js';
import { parseKeywords, type TopicKeywords } from './topics.js';

/** Prefix of every knowledge-base unit's key, group and source. */
export const KB_PREFIX = 'kb:';
/** faq_meta key holding the indexed articles' titles and links (read by the retriever). */
export const KB_META_KEY = 'kb:articles';
/** faq_meta key changed by every re-index that changed units: readers reload their article vectors. */
export const KB_REV_KEY = 'kb:rev';

export interface KbSection {
  /** GitHub-style anchor of the heading ('' for the text before the first `##`). */
  anchor: string;
  heading: string;
  /** The section's Markdown, question comments removed. */
  markdown: string;
  /** The section as chat text: what the bot answers with. */
  text: string;
  /** Questions written for this section (`<!-- Questions: … -->` or a `Questions:` line). */
  questions: string[];
}

export interface KbArticle {
  slug: string;
  title: string;
  url: string;
  /** `updated` from the front matter (YYYY-MM-DD), if any. */
  updated: string | null;
  /** `keywords` from the front matter: the words customers use for the article's topic. */
  keywords: string[];
  file: string;
  sections: KbSection[];
}

export interface KbChunk {
  /** `<slug>#<anchor>`, with `~2`, `~3`… for the further chunks of a long section. */
  id: string;
  slug: string;
  anchor: string;
  title: string;
  heading: string;
  /** Link to the section: the article's url plus `#anchor`. */
  url: string;
  /** `kb:<slug>#<anchor>`: the unit's source and answer group. */
  source: string;
  /** The chunk of the section's Markdown as the splitter cut it. */
  text: string;
  /** Question-side text of the chunk's main unit. */
  question: string;
  /** Questions written for the section (on its first chunk only). */
  questions: string[];
  /** The whole section as chat text. */
  answer: string;
  updated: string | null;
  /** Content hash (16 hex digits): a chunk whose hash is unchanged is not embedded again. */
  hash: string;
}

export interface ArticleInfo {
  slug: string;
  title: string;
  url: string;
  updated: string | null;
  keywords?: string[];
}

export class KnowledgeError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'KnowledgeError';
  }
}

const SLUG = /^[a-z0-9][a-z0-9-]*$/;

/** GitHub-style heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[`*_~]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) return t.slice(1, -1);
  return t;
}

/** A flat `key: value` front-matter block (the only YAML articles need). */
function frontMatter(text: string): { meta: Record<string, string>; body: string } {
  const m = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!m) return { meta: {}, body: text };
  const meta: Record<string, string> = {};
  for (const line of m[1]!.split(/\r?\n/)) {
    if (/^\s*(#|$)/.test(line)) continue;
    const kv = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (kv) meta[kv[1]!.toLowerCase()] = unquote(kv[2]!);
  }
  return { meta, body: text.slice(m[0].length) };
}

const QUESTION_COMMENT = /<!--\s*questions?\s*:([\s\S]*?)-->/gi;
const QUESTION_LINE = /^[ \t]*questions?\s*:(.*)$/gim;

function splitQuestions(list: string): string[] {
  return list
    .split(/\s*\|\s*|\r?\n|(?<=\?)\s+/)
    .map((q) => q.replace(/^[\s\-*•]+/, '').trim())
    .filter((q) => q.length > 0);
}

/** Markdown to chat text: emphasis and code marks dropped, links as "text (url)", bullets as "- ". */
export function markdownToText(md: string): string {
  return md
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (_m, t: string, u: string) => (t === u ? u : `${t} (${u})`))
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/^[ \t]*#{3,6}[ \t]+(.+?)[ \t#]*$/gm, (_m, h: string) => (/[:?.!]$/.test(h) ? h : `${h}:`))
    .replace(/^([ \t]*)[*+][ \t]+/gm, '$1- ')
    .replace(/^[ \t]*>[ \t]?/gm, '')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Parses one article. `file` names it in errors and gives the default slug. */
export function parseArticle(source: string, file: string): KbArticle {
  const { meta, body } = frontMatter(source.replace(/^\uFEFF/, ''));
  const slug = meta.slug ?? basename(file).replace(/\.(md|markdown)$/i, '').toLowerCase();
  if (!SLUG.test(slug)) throw new KnowledgeError(`slug "${slug}" must be lower-case letters, digits and hyphens`, file);
  const lines = body.split(/\r?\n/);
  let title = meta.title ?? '';
  // Sections: text before the first `##` (the intro, under the article's title) and one per `##`.
  const raw: { heading: string | null; lines: string[] }[] = [{ heading: null, lines: [] }];
  let fence = false;
  for (const line of lines) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const h1 = !fence ? /^#[ \t]+(.+?)[ \t#]*$/.exec(line) : null;
    const h2 = !fence ? /^##[ \t]+(.+?)[ \t#]*$/.exec(line) : null;
    if (h1) {
      if (!title) title = h1[1]!.trim();
      continue;
    }
    if (h2) raw.push({ heading: h2[1]!.trim(), lines: [] });
    else raw[raw.length - 1]!.lines.push(line);
  }
  if (!title) title = slug.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
  const url = meta.url ?? `/help/${slug}`;
  const updated = meta.updated ?? null;
  if (updated !== null && Number.isNaN(Date.parse(updated))) throw new KnowledgeError(`updated "${updated}" is not a date (YYYY-MM-DD)`, file);

  const sections: KbSection[] = [];
  const anchors = new Map<string, number>();
  raw.forEach((r, i) => {
    let md = r.lines.join('\n');
    const questions: string[] = [];
    md = md.replace(QUESTION_COMMENT, (_m, list: string) => {
      questions.push(...splitQuestions(list));
      return '';
    });
    md = md.replace(QUESTION_LINE, (_m, list: string) => {
      questions.push(...splitQuestions(list));
      return '';
    });
    md = md.replace(/\n{3,}/g, '\n\n').trim();
    if (r.heading === null && md === '' && questions.length === 0) return;
    let anchor = r.heading === null ? '' : anchorOf(r.heading) || `section-${i}`;
    const seen = anchors.get(anchor);
    anchors.set(anchor, (seen ?? 0) + 1);
    if (seen !== undefined) anchor = `${anchor}-${seen}`;
    if (md === '') throw new KnowledgeError(`section "${r.heading ?? title}" has no text`, file);
    sections.push({ anchor, heading: r.heading ?? title, markdown: md, text: markdownToText(md), questions: [...new Set(questions)] });
  });
  if (sections.length === 0) throw new KnowledgeError('no text', file);
  return { slug, title, url, updated, keywords: meta.keywords ? parseKeywords(meta.keywords) : [], file, sections };
}

/** The article files of a folder: every `*.md` except README.md and files starting with `_` or `.`. */
export function articleFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(md|markdown)$/i.test(f) && !/^readme\./i.test(f) && !/^[_.]/.test(f))
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

/** Loads and parses every article of a folder; a bad article or a duplicate slug throws KnowledgeError. */
export function loadArticles(dir: string): KbArticle[] {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new KnowledgeError(`no such folder ${abs}`);
  const out: KbArticle[] = [];
  const bySlug = new Map<string, string>();
  for (const file of articleFiles(abs)) {
    const a = parseArticle(readFileSync(file, 'utf8'), file);
    const other = bySlug.get(a.slug);
    if (other) throw new KnowledgeError(`slug "${a.slug}" is also used by ${other}`, file);
    bySlug.set(a.slug, file);
    out.push(a);
  }
  return out;
}

export interface ChunkOptions {
  /** Characters per chunk (default 600: about 128 word pieces, what the encoder reads best). */
  chunkSize?: number;
  chunkOverlap?: number;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function hashOf(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}

/** Cuts every section with LangChain's Markdown splitter; a short section is one chunk. */
export async function chunkArticles(articles: readonly KbArticle[], opts: ChunkOptions = {}): Promise<KbChunk[]> {
  const splitter = new MarkdownTextSplitter({ chunkSize: opts.chunkSize ?? 600, chunkOverlap: opts.chunkOverlap ?? 80 });
  const out: KbChunk[] = [];
  for (const a of articles) {
    for (const s of a.sections) {
      const pieces = (await splitter.splitText(s.markdown)).map((p) => p.trim()).filter((p) => p !== '');
      pieces.forEach((piece, i) => {
        const id = `${a.slug}#${s.anchor}${i > 0 ? `~${i + 1}` : ''}`;
        const heading = s.anchor === '' ? a.title : `${a.title} — ${s.heading}`;
        const question = `${heading}: ${oneLine(markdownToText(piece))}`;
        const questions = i === 0 ? s.questions : [];
        out.push({
          id,
          slug: a.slug,
          anchor: s.anchor,
          title: a.title,
          heading: s.heading,
          url: s.anchor === '' ? a.url : `${a.url}#${s.anchor}`,
          source: `${KB_PREFIX}${a.slug}${s.anchor === '' ? '' : `#${s.anchor}`}`,
          text: piece,
          question,
          questions,
          answer: s.text,
          updated: a.updated,
          // `updated` is left out: bumping the date alone does not re-embed an article.
          hash: hashOf([question, questions, s.text, a.url]),
        });
      });
    }
  }
  return out;
}

/** The chunk's units: its text first, then one per question. `n` of the key is the unit's position. */
export function chunkUnits(c: KbChunk): QaUnit[] {
  const ts = c.updated ? new Date(Date.parse(c.updated)).toISOString() : null;
  const base = { answer: c.answer, group: `${KB_PREFIX}${c.slug}#${c.anchor}`, intent: null, sources: [c.source], ts };
  return [c.question, ...c.questions].map((question, n) => ({ ...base, key: `${KB_PREFIX}${c.id}|${c.hash}|${n}`, question }));
}

const KEY = /^kb:(.+)\|([0-9a-f]{16})\|(\d+)(?:\|r\d+)?$/;

/** Whether a unit comes from the knowledge base. */
export const isKnowledgeUnit = (u: Pick<StoredUnit, 'group'>): boolean => u.group.startsWith(KB_PREFIX);

/** The chunk id, hash and position (0: the chunk's text, 1…: its questions) of a knowledge-base unit's key; null for other units. */
export function parseKnowledgeKey(key: string): { id: string; hash: string; n: number } | null {
  const m = KEY.exec(key);
  return m ? { id: m[1]!, hash: m[2]!, n: Number(m[3]) } : null;
}

/** Whether the index holds help articles (from the meta the last re-index wrote; no scan). */
export function hasArticles(index: Pick<FaqIndex, 'getMeta'>): boolean {
  return Object.keys(readArticleMeta(index)).length > 0;
}

/** The article (title, link) a knowledge-base answer group comes from, from the index's meta. */
export function articleOf(index: Pick<FaqIndex, 'getMeta'>, group: string): (ArticleInfo & { anchor: string }) | null {
  if (!group.startsWith(KB_PREFIX)) return null;
  const [slug, anchor = ''] = group.slice(KB_PREFIX.length).split('#', 2) as [string, string?];
  const articles = readArticleMeta(index);
  const a = articles[slug];
  if (!a) return null;
  return { ...a, anchor, url: anchor ? `${a.url}#${anchor}` : a.url };
}

/** The articles' topic words (from the meta the last re-index wrote), for TopicMatcher. */
export function articleKeywords(index: Pick<FaqIndex, 'getMeta'>): TopicKeywords[] {
  return Object.values(readArticleMeta(index)).map((a) => ({ slug: a.slug, keywords: Array.isArray(a.keywords) ? a.keywords : [] }));
}

let metaCache: { raw: string; value: Record<string, ArticleInfo> } | null = null;

function readArticleMeta(index: Pick<FaqIndex, 'getMeta'>): Record<string, ArticleInfo> {
  const raw = index.getMeta(KB_META_KEY) ?? '{}';
  if (metaCache?.raw === raw) return metaCache.value;
  let value: Record<string, ArticleInfo> = {};
  try {
    const v: unknown = JSON.parse(raw);
    if (v && typeof v === 'object' && !Array.isArray(v)) value = v as Record<string, ArticleInfo>;
  } catch {
    /* unreadable meta: no titles, answers still carry their source */
  }
  metaCache = { raw, value };
  return value;
}

/**
 * Exact search over the article units only. There are a few hundred of them, so scoring them all
 * (vectors held in memory) is faster than a filtered HNSW search, whose filter calls back into
 * JavaScript for every node it visits. The vectors are reloaded when a re-index changed units
 * (KB_REV_KEY); a unit removed since is skipped.
 */
export class ArticleSearch {
  private rev: string | undefined | null = null;
  private labels: number[] = [];
  /** The units' vectors, L2-normalized, one after another. */
  private matrix = new Float32Array(0);
  private scores = new Float32Array(0);

  constructor(readonly index: Pick<FaqIndex, 'getMeta' | 'allUnits' | 'vectorOf' | 'unit'>) {}

  /** The k article units nearest to an L2-normalized query vector, most similar first. */
  search(query: Float32Array, k: number): SearchHit[] {
    this.load();
    const n = this.labels.length;
    const dim = query.length;
    if (n === 0 || k <= 0) return [];
    if (this.matrix.length !== n * dim) throw new Error(`query vector has ${dim} dimensions, the article vectors ${this.matrix.length / n}`);
    const m = this.matrix;
    const scores = this.scores;
    for (let i = 0, o = 0; i < n; i++, o += dim) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += m[o + d]! * query[d]!;
      scores[i] = s;
    }
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
    const hits: SearchHit[] = [];
    for (const i of order) {
      const unit = this.index.unit(this.labels[i]!);
      if (!unit) continue; // removed since the vectors were loaded
      hits.push({ label: this.labels[i]!, score: scores[i]!, unit });
      if (hits.length >= k) break;
    }
    return hits;
  }

  private load(): void {
    const rev = this.index.getMeta(KB_REV_KEY);
    if (rev === this.rev) return;
    const labels: number[] = [];
    const vectors: Float32Array[] = [];
    for (const u of this.index.allUnits()) {
      if (!isKnowledgeUnit(u)) continue;
      const v = this.index.vectorOf(u.label);
      if (!v) continue;
      labels.push(u.label);
      vectors.push(v);
    }
    const dim = vectors[0]?.length ?? 0;
    const matrix = new Float32Array(labels.length * dim);
    vectors.forEach((v, i) => {
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += v[d]! * v[d]!;
      norm = Math.sqrt(norm) || 1;
      for (let d = 0; d < dim; d++) matrix[i * dim + d] = v[d]! / norm;
    });
    this.rev = rev;
    this.labels = labels;
    this.matrix = matrix;
    this.scores = new Float32Array(labels.length);
  }
}

export interface ReindexOptions extends ChunkOptions {
  log?: (line: string) => void;
  /** Show a progress bar on stderr while embedding (default false). */
  progress?: boolean;
  /** Report what would change without writing anything. */
  dryRun?: boolean;
}

export interface ReindexReport {
  /** Chunks: new, replaced because their text changed, removed with their section or article, kept. */
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
  articles: number;
  chunks: number;
  /** Units embedded and added (a chunk has one plus one per question). */
  unitsAdded: number;
  unitsRemoved: number;
  ms: number;
}

/**
 * Brings the index's knowledge-base units in line with the articles in `dir`: embeds new and
 * changed chunks (with `encoder`, which must be the index's model), removes the units of changed
 * and deleted ones, and leaves unchanged chunks alone. Throws KnowledgeError (index untouched)
 * when an article cannot be read.
 */
export async function reindexKnowledge(index: FaqIndex, dir: string, encoder: Encoder = index.encoder, opts: ReindexOptions = {}): Promise<ReindexReport> {
  const started = Date.now();
  const log = opts.log ?? (() => undefined);
  if (encoder.checksum !== index.encoder.checksum || encoder.dim !== index.encoder.dim) {
    throw new KnowledgeError(`the encoder (${encoder.modelId}) is not the model of the FAQ index (${index.encoder.modelId})`);
  }
  const articles = loadArticles(dir);
  const chunks = await chunkArticles(articles, opts);

  // What the index holds now, by chunk id (a chunk half-replaced by a crash has two hashes).
  const held = new Map<string, { hashes: Set<string>; labels: number[] }>();
  const strays: number[] = [];
  for (const u of index.allUnits()) {
    if (!u.key.startsWith(KB_PREFIX)) continue;
    const k = parseKnowledgeKey(u.key);
    if (!k) {
      strays.push(u.label);
      continue;
    }
    const h = held.get(k.id) ?? { hashes: new Set<string>(), labels: [] };
    h.hashes.add(k.hash);
    h.labels.push(u.label);
    held.set(k.id, h);
  }

  const fresh: KbChunk[] = [];
  const drop: number[] = [...strays];
  const report: ReindexReport = { added: 0, updated: 0, removed: 0, unchanged: 0, articles: articles.length, chunks: chunks.length, unitsAdded: 0, unitsRemoved: 0, ms: 0 };
  const wanted = new Set<string>();
  for (const c of chunks) {
    wanted.add(c.id);
    const h = held.get(c.id);
    if (h && h.hashes.size === 1 && h.hashes.has(c.hash)) {
      report.unchanged++;
      continue;
    }
    if (h) {
      report.updated++;
      drop.push(...h.labels);
    } else report.added++;
    fresh.push(c);
  }
  for (const [id, h] of held) {
    if (wanted.has(id)) continue;
    report.removed++;
    drop.push(...h.labels);
  }

  if (opts.dryRun) {
    report.unitsRemoved = drop.length;
    report.unitsAdded = fresh.reduce((n, c) => n + 1 + c.questions.length, 0);
    report.ms = Date.now() - started;
    return report;
  }

  // Embed first (the slow part), then swap chunk by chunk: each chunk's units go in one transaction.
  const units = fresh.map((c) => chunkUnits(c));
  const flat = units.flat();
  const vectors: Float32Array[] = [];
  const bar = progressBar('knowledge base', flat.length, { silent: !opts.progress });
  // one bulk call: the encoder batches sections of similar length together and reports each pass
  vectors.push(...(await encoder.embedMany(flat.map((u) => u.question), { onBatch: (idx) => bar.tick(idx.length) })));
  bar.done();

  for (const label of drop) if (await index.remove(label)) report.unitsRemoved++;
  let at = 0;
  for (const us of units) {
    // A key is used once even after its unit is removed (a section edited back to an old text).
    const keyed: typeof us = [];
    for (const u of us) {
      let key = u.key;
      for (let r = 1; await index.keyTaken(key); r++) key = `${u.key}|r${r}`;
      keyed.push({ ...u, key });
    }
    const res = await index.add(keyed, { vectors: vectors.slice(at, at + us.length) });
    at += us.length;
    report.unitsAdded += res.added;
  }

  const meta: Record<string, ArticleInfo> = {};
  for (const a of articles) meta[a.slug] = { slug: a.slug, title: a.title, url: a.url, updated: a.updated, ...(a.keywords.length ? { keywords: a.keywords } : {}) };
  await index.setMeta(KB_META_KEY, JSON.stringify(meta));
  if (report.added + report.updated + report.removed > 0 || drop.length > 0) {
    await index.setMeta(KB_REV_KEY, `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
    await index.save();
  }
  report.ms = Date.now() - started;
  log(
    `[kb] ${articles.length} articles, ${chunks.length} chunks: ${report.added} added, ${report.updated} updated, ${report.removed} removed, ${report.unchanged} unchanged (${report.unitsAdded} units embedded, ${report.unitsRemoved} removed) in ${report.ms} ms`,
  );
  return report;
}

/**
 * For the server at start, after the FAQ index is open: re-indexes the help articles (only what
 * changed since the last run is embedded). Never throws: a missing folder or a bad article is
 * logged and the index keeps the articles it had.
 */
export async function syncKnowledge(index: FaqIndex, config: Pick<Config, 'helpDir'>, opts: { log?: (line: string) => void; progress?: boolean } = {}): Promise<ReindexReport | null> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const dir = config.helpDir;
  if (!existsSync(dir)) {
    log(`[kb] no help articles at ${dir}; answering from transcripts only`);
    return null;
  }
  try {
    return await reindexKnowledge(index, dir, index.encoder, { log, progress: opts.progress ?? false });
  } catch (e) {
    log(`[kb] help articles not re-indexed, the index keeps the ones it had: ${(e as Error).message}`);
    return null;
  }
}

"""Fine-tune all-MiniLM-L6-v2 into a 3-class sentiment classifier (negative / neutral / positive) and
export it to ONNX in the Transformers.js layout under models/sentiment-minilm/.

Stages (run all with tools/train-sentiment.sh):
  prepare  deterministic splits of the source data; writes the held-out eval fixtures
           (fixtures/sentiment/*.jsonl, fixtures/reviews-eval/reviews.jsonl) and the training/validation
           sets to --work.
  train    full fine-tune on CPU (AdamW, linear warmup/decay, length-bucketed batches, word embeddings
           frozen), validating every --eval-every steps; the best checkpoint by mean validation score
           is kept. Run three times (see train-sentiment.sh): train.jsonl from the base model, then
           train2.jsonl (further SST-2 phrases) and train3.jsonl (all training reviews), each
           continuing from the previous stage's checkpoint.
  export   ONNX (logits), dynamic int8 with the same selective scheme as the shared encoder,
           accuracy check of fp32 vs int8 vs torch on the validation sets, LICENSE/SOURCE/SHA256SUMS.

Data (see models/sentiment-minilm/SOURCE.md):
  SST-2 (GLUE) train: full sentences are found as the items that are no sub-span of another item;
    1,800 of them are held out (800 validation, 1,000 test fixture) together with every phrase that is
    a sub-span of a held-out sentence, so no held-out text is trained on.
  Datafiniti Amazon reviews: ratings 1-2 negative, 3 neutral, 4-5 positive; whole products are held out
    for the test fixtures, 15% of the remaining reviews are validation; texts are de-duplicated across splits.
  Bitext customer-service utterances: plain requests are neutral, swearing (flag W) and complaints
    that state discontent are negative, reviews that state satisfaction are positive.
  tools/train-sentiment-chat.tsv: chat and short review lines written for this project, plus
    templated frustrated / thankful variants of neutral requests.
"""
import argparse, csv, hashlib, json, math, os, random, re, shutil, sys, time

LABELS = ["negative", "neutral", "positive"]
L2I = {l: i for i, l in enumerate(LABELS)}
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DATA = os.environ.get("SHOPBOT_DATASETS", os.path.join(ROOT, "..", "shared", "datasets"))
SEED = 13

# Datafiniti products (ASINs) held out entirely for the test fixtures: two Kindle e-readers, a Kindle
# Fire 7, the Amazon Tap speaker, Fire HD 8/10 variants, Kindle Voyage/Oasis and the charger.
HELDOUT_ASINS = {
    "B018Y225IA", "B01BH83OOM", "B00ZV9PXP2", "B017JG41PC", "B00IOY8XWQ",
    "B01AHBDCKQ", "B0189XYY0Q", "B00REQKWGA", "B00QFQRELG",
}


def jwrite(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def jread(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


_DETOK = [
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b"), r"\1"),
    (re.compile(r" ([.,!?;:%)])"), r"\1"),
    (re.compile(r"([($]) "), r"\1"),
    (re.compile(r"-lrb- ?"), "("),
    (re.compile(r" ?-rrb-"), ")"),
    (re.compile(r" ?` ?` ?|'' ?"), '"'),
    (re.compile(r"ca n't"), "can't"),
    (re.compile(r"wo n't"), "won't"),
]


def detok(s):
    """SST-2 text is PTB-tokenized ("does n't ."); this gives the natural form."""
    for pat, rep in _DETOK:
        s = pat.sub(rep, s)
    return s.strip()


# ---------------------------------------------------------------- prepare

def sst_splits(rng):
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(DATA, "sst2", "train.tsv"), encoding="utf-8")][1:]
    items = {}
    for s, y in rows:
        items.setdefault(s.strip(), int(y))
    itemset = set(items)
    contained = set()
    for s in items:
        w = s.split()
        n = len(w)
        for i in range(n):
            for j in range(i + 1, n + 1):
                if j - i == n:
                    continue
                sub = " ".join(w[i:j])
                if sub in itemset:
                    contained.add(sub)
    roots = sorted(s for s in items if s not in contained and len(s.split()) >= 3)
    rng.shuffle(roots)
    held = roots[:1800]
    held_spans = set()
    for s in held:
        w = s.split()
        for i in range(len(w)):
            for j in range(i + 1, len(w) + 1):
                held_spans.add(" ".join(w[i:j]))
    train_roots = [s for s in roots[1800:]]
    train_phrases = [s for s in items if s in contained and s not in held_spans]
    lab = lambda s: LABELS[2] if items[s] == 1 else LABELS[0]
    return (
        [{"text": s, "label": lab(s)} for s in held[:800]],
        [{"text": s, "label": lab(s)} for s in held[800:]],
        [(s, lab(s)) for s in train_roots],
        [(s, lab(s)) for s in train_phrases],
    )


def rating_label(r):
    return "negative" if r <= 2 else "neutral" if r == 3 else "positive"


def datafiniti(rng):
    path = os.path.join(DATA, "datafiniti-amazon-reviews", "Datafiniti_Amazon_Consumer_Reviews_of_Amazon_Products.csv")
    rows = list(csv.DictReader(open(path, encoding="utf-8-sig")))
    held_texts = {r["reviews.text"].strip() for r in rows if r["asins"] in HELDOUT_ASINS}
    test, rest, seen = [], [], set()
    for i, r in enumerate(rows):
        text = r["reviews.text"].strip()
        rating = int(r["reviews.rating"])
        if not text:
            continue
        rec = {"id": f"DF-{i + 1:05d}", "asin": r["asins"], "name": r["name"], "rating": rating, "title": r["reviews.title"].strip(), "text": text, "date": r["reviews.date"][:10]}
        if r["asins"] in HELDOUT_ASINS:
            test.append(rec)
        elif text not in held_texts and text not in seen:
            seen.add(text)
            rest.append(rec)
    rng.shuffle(rest)
    nval = int(len(rest) * 0.15)
    return test, rest[:nval], rest[nval:]


NEG_CUES = re.compile(r"\b(discontent|not happy|unhappy|don't like|do not like|dissatisfied|not satisfied|angry|upset|disappointed|not helping|useless|terrible|awful)\b", re.I)
POS_CUES = re.compile(r"\b(happy with|satisfied with|pleased with|love|great|good service|excellent)\b", re.I)
NEUTRAL_SKIP = {"complaint", "review", "payment_issue", "registration_problems"}


def bitext(rng):
    path = os.path.join(DATA, "bitext-utterances-20k", "TrainingdatasetBitextsample.csv")
    rows = list(csv.DictReader(open(path, encoding="utf-8-sig")))
    neg, neu, pos = [], [], []
    for r in rows:
        u, flags, intent = r["utterance"].strip(), r["flags"], r["intent"]
        if not u:
            continue
        if "W" in flags or NEG_CUES.search(u):
            neg.append(u)
        elif intent == "review" and POS_CUES.search(u) and not re.search(r"\bnot\b", u, re.I):
            pos.append(u)
        elif intent not in NEUTRAL_SKIP:
            neu.append(u)
    for l in (neg, neu, pos):
        l.sort()
        rng.shuffle(l)
    return neg[:500], neu[:1800], pos[:150]


FRUSTRATED = [
    "{r}!!! This is the third time I ask!!!", "I've asked this twice already. {r}", "{r} Why is nobody answering???",
    "{r} I'm sick of waiting.", "Seriously, {r} This is getting ridiculous.", "{r} Your service is a joke.",
    "Still no answer. {r}", "{r} I've been waiting for days, unacceptable!", "{r}?? Hello??? Anyone???",
    "{r} Fed up with this.", "For the last time: {r}", "{r} You people are useless.",
]
THANKFUL = [
    "{r} Thanks so much, you've been great!", "You were super helpful before, thanks! {r}", "{r} Love your store, by the way!",
    "{r} Great service as always, thank you!", "Thanks a lot for the quick help earlier! {r}",
]


def read_chat_tsv(name):
    lines = []
    for l in open(os.path.join(ROOT, "tools", name), encoding="utf-8"):
        if l.startswith("#") or not l.strip():
            continue
        lab, text = l.rstrip("\n").split("\t", 1)
        assert lab in L2I, l
        lines.append((text, lab))
    return lines


def chat_lines(rng, bt_neu):
    lines = read_chat_tsv("train-sentiment-chat.tsv")
    reqs = [t for t, lab in lines if lab == "neutral" and len(t.split()) >= 3] + bt_neu[:400]
    rng.shuffle(reqs)
    aug = []
    for i, r in enumerate(reqs[:400]):
        r2 = r.rstrip("?.! ")
        if i % 3 == 2:
            aug.append((rng.choice(THANKFUL).format(r=r2 + "."), "positive"))
        else:
            aug.append((rng.choice(FRUSTRATED).format(r=r2 + ("?" if r.endswith("?") else ".")), "negative"))
    return lines, aug


def cmd_prepare(args):
    rng = random.Random(SEED)
    t = time.time()
    sst_val, sst_test, sst_roots, sst_phrases = sst_splits(rng)
    print(f"sst: roots train {len(sst_roots)}, phrases train {len(sst_phrases)}, val {len(sst_val)}, test {len(sst_test)} ({time.time() - t:.0f}s)")
    df_test, df_val, df_train = datafiniti(rng)
    print(f"datafiniti: train {len(df_train)} val {len(df_val)} test {len(df_test)}")
    bt_neg, bt_neu, bt_pos = bitext(rng)
    chat, aug = chat_lines(rng, bt_neu)
    print(f"bitext: neg {len(bt_neg)} neu {len(bt_neu)} pos {len(bt_pos)}; chat lines {len(chat)} + {len(aug)} templated")

    train = []  # (text, label, source)
    # SST: every training full sentence twice (once as given, once detokenized), phrases of >= 4 words
    # subsampled, 30% of them detokenized so both spellings of contractions are seen.
    for s, lab in sst_roots:
        train.append((s, lab, "sst-root"))
        train.append((detok(s), lab, "sst-root"))
    phrases = [p for p in sst_phrases if len(p[0].split()) >= 4]
    phrases.sort()
    rng.shuffle(phrases)
    for s, lab in phrases[: args.phrases]:
        train.append((detok(s) if rng.random() < 0.3 else s, lab, "sst-phrase"))
    # Stage 2 (continued training) sees the same full sentences and non-SST data with the next phrases.
    # (own random stream, so stage 1's data does not depend on stage 2's settings)
    rng2 = random.Random(SEED + 1)
    stage2_phrases = [(detok(s) if rng2.random() < 0.3 else s, lab, "sst-phrase") for s, lab in phrases[args.phrases : args.phrases + args.phrases2]]
    # Reviews: all negatives and neutrals (negatives x3, neutrals x2, half with the title prefixed),
    # positives subsampled.
    by = {"negative": [], "neutral": [], "positive": []}
    for r in df_train:
        by[rating_label(r["rating"])].append(r)
    reps = {"negative": 3, "neutral": 2}
    for lab in ("negative", "neutral"):
        for r in by[lab]:
            for k in range(reps[lab]):
                text = r["text"] if k % 2 == 0 or not r["title"] else f"{r['title']}. {r['text']}"
                train.append((text, lab, "review"))
    for r in by["positive"][: args.review_pos]:
        text = r["text"] if rng.random() < 0.5 or not r["title"] else f"{r['title']}. {r['text']}"
        train.append((text, "positive", "review"))
    for u in bt_neg:
        train.append((u, "negative", "bitext"))
    for u in bt_neu:
        train.append((u, "neutral", "bitext"))
    for u in bt_pos:
        train.append((u, "positive", "bitext"))
    for t_, lab in chat:
        for _ in range(3):
            train.append((t_, lab, "chat"))
    for t_, lab in aug:
        train.append((t_, lab, "chat-aug"))
    train2 = [x for x in train if x[2] != "sst-phrase"] + stage2_phrases
    # Stage 3 (product-review emphasis): every training review (all positives, many of them mixed
    # 4-star texts), SST full sentences once in one of their two spellings, 4,000 further phrases,
    # and the chat/bitext data again.
    rng3 = random.Random(SEED + 2)
    train3 = [x for x in train if x[2] not in ("sst-phrase", "sst-root", "review")]
    train3 += [(s if rng3.random() < 0.5 else detok(s), lab, "sst-root") for s, lab in sst_roots]
    train3 += [(detok(s) if rng3.random() < 0.3 else s, lab, "sst-phrase") for s, lab in phrases[args.phrases + args.phrases2 : args.phrases + args.phrases2 + 4000]]
    for r in df_train:
        lab = rating_label(r["rating"])
        for k in range({"negative": 3, "neutral": 2, "positive": 1}[lab]):
            use_title = r["title"] and (k % 2 == 1 or (lab == "positive" and rng3.random() < 0.5))
            train3.append((f"{r['title']}. {r['text']}" if use_title else r["text"], lab, "review"))
    rng3.shuffle(train3)

    rng.shuffle(train)
    rng2.shuffle(train2)
    counts = {}
    for _, lab, src in train:
        counts[f"{src}:{lab}"] = counts.get(f"{src}:{lab}", 0) + 1
    print("train", len(train), json.dumps(dict(sorted(counts.items()))))

    os.makedirs(args.work, exist_ok=True)
    jwrite(os.path.join(args.work, "train.jsonl"), [{"text": t_, "label": l, "source": s} for t_, l, s in train])
    jwrite(os.path.join(args.work, "train2.jsonl"), [{"text": t_, "label": l, "source": s} for t_, l, s in train2])
    jwrite(os.path.join(args.work, "train3.jsonl"), [{"text": t_, "label": l, "source": s} for t_, l, s in train3])
    jwrite(os.path.join(args.work, "val-sst.jsonl"), sst_val)
    jwrite(os.path.join(args.work, "val-reviews.jsonl"), [{"text": r["text"], "label": rating_label(r["rating"])} for r in df_val])

    if args.write_fixtures:
        fx = os.path.join(ROOT, "fixtures")
        jwrite(os.path.join(fx, "sentiment", "sst2-heldout.jsonl"), sst_test)
        jwrite(
            os.path.join(fx, "sentiment", "product-reviews-binary.jsonl"),
            [{"text": r["text"], "label": rating_label(r["rating"])} for r in df_test if r["rating"] != 3],
        )
        jwrite(
            os.path.join(fx, "reviews-eval", "reviews.jsonl"),
            [{"product": r["asin"], "text": r["text"], "rating": r["rating"], "title": r["title"], "date": r["date"], "id": r["id"]} for r in df_test],
        )
        print("fixtures written")


# ---------------------------------------------------------------- train

def evaluate(model, tok, rows, batch=64, max_len=128, three_class=False):
    import torch
    model.eval()
    preds = []
    with torch.no_grad():
        order = sorted(range(len(rows)), key=lambda i: len(rows[i]["text"]))
        out = [None] * len(rows)
        for b in range(0, len(order), batch):
            idx = order[b : b + batch]
            enc = tok([rows[i]["text"] for i in idx], padding=True, truncation=True, max_length=max_len, return_tensors="pt")
            logits = model(**enc).logits
            for k, i in enumerate(idx):
                out[i] = logits[k].tolist()
    return scores(rows, out, three_class)


def scores(rows, logits, three_class=False):
    """Binary files (no neutral gold label) are scored on positive vs negative logits only."""
    binary = not any(r["label"] == "neutral" for r in rows)
    labs = LABELS if not binary else ["negative", "positive"]
    pred = []
    for lg in logits:
        if binary:
            pred.append("positive" if lg[2] >= lg[0] else "negative")
        else:
            pred.append(LABELS[max(range(3), key=lambda k: lg[k])])
    gold = [r["label"] for r in rows]
    acc = sum(p == g for p, g in zip(pred, gold)) / len(rows)
    f1s = []
    for l in labs:
        tp = sum(p == l and g == l for p, g in zip(pred, gold))
        fp = sum(p == l and g != l for p, g in zip(pred, gold))
        fn = sum(p != l and g == l for p, g in zip(pred, gold))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return {"n": len(rows), "accuracy": round(acc, 4), "macro_f1": round(sum(f1s) / len(f1s), 4)}


def cmd_train(args):
    import torch
    from transformers import AutoTokenizer, BertForSequenceClassification

    torch.manual_seed(SEED)
    random.seed(SEED)
    torch.set_num_threads(args.threads)
    src = args.init or args.src
    tok = AutoTokenizer.from_pretrained(src)
    model = BertForSequenceClassification.from_pretrained(
        src, num_labels=3, id2label=dict(enumerate(LABELS)), label2id=L2I, classifier_dropout=0.1
    )
    # The 30k x 384 word-embedding table stays frozen: it is 40% of the parameters, its dense Adam
    # update dominates the optimizer step on CPU, and fine-tuning it buys little for classification.
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    train = jread(os.path.join(args.work, args.data))
    val_sst = jread(os.path.join(args.work, "val-sst.jsonl"))
    val_rev = jread(os.path.join(args.work, "val-reviews.jsonl"))
    val_rev_bin = [r for r in val_rev if r["label"] != "neutral"]
    val_chat = [{"text": t, "label": l} for t, l in CHAT_VAL]

    # Length-bucketed batches: sort chunks of 50 batches by token length, then shuffle the batches.
    lens = [len(tok.tokenize(r["text"])) for r in train]
    rng = random.Random(SEED)
    idx = list(range(len(train)))
    rng.shuffle(idx)
    batches = []
    chunk = args.batch * 50
    for c in range(0, len(idx), chunk):
        part = sorted(idx[c : c + chunk], key=lambda i: lens[i])
        batches += [part[b : b + args.batch] for b in range(0, len(part), args.batch)]
    rng.shuffle(batches)
    batches = batches * args.epochs if args.epochs > 1 else batches
    if args.max_steps:
        batches = batches[: args.max_steps]
    total = len(batches)
    print(f"train items {len(train)}, tokens {sum(min(l + 2, args.max_len) for l in lens)}, steps {total}", flush=True)

    no_decay = ["bias", "LayerNorm.weight"]
    groups = [
        {"params": [p for n, p in model.named_parameters() if p.requires_grad and not any(k in n for k in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if p.requires_grad and any(k in n for k in no_decay)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=args.lr)
    warm = max(1, int(total * 0.06))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    best, best_step = -1.0, -1
    t0 = time.time()
    seen_tokens = 0
    log = open(os.path.join(args.work, "train-log.jsonl"), "a")
    for step, b in enumerate(batches, 1):
        model.train()
        enc = tok([train[i]["text"] for i in b], padding=True, truncation=True, max_length=args.max_len, return_tensors="pt")
        y = torch.tensor([L2I[train[i]["label"]] for i in b])
        seen_tokens += int(enc["attention_mask"].sum())
        loss = model(**enc, labels=y).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        if step % 20 == 0:
            el = time.time() - t0
            print(f"step {step}/{total} loss {loss.item():.3f} {seen_tokens / el:.0f} tok/s elapsed {el:.0f}s eta {el / step * (total - step):.0f}s", flush=True)
        if step % args.eval_every == 0 or step == total:
            v = {
                "step": step,
                "sst": evaluate(model, tok, val_sst),
                "reviews3": evaluate(model, tok, val_rev),
                "reviews_bin": evaluate(model, tok, val_rev_bin),
                "chat": evaluate(model, tok, val_chat),
                "elapsed_s": round(time.time() - t0),
            }
            score = (v["sst"]["accuracy"] + v["reviews_bin"]["macro_f1"] + v["chat"]["accuracy"] + v["reviews3"]["macro_f1"]) / 4
            v["score"] = round(score, 4)
            print(json.dumps(v), flush=True)
            log.write(json.dumps(v) + "\n")
            log.flush()
            if score > best:
                best, best_step = score, step
                model.save_pretrained(os.path.join(args.work, args.save))
                tok.save_pretrained(os.path.join(args.work, args.save))
                with open(os.path.join(args.work, args.save, "val.json"), "w") as f:
                    json.dump(v, f, indent=2)
    print(f"done in {time.time() - t0:.0f}s; best step {best_step} score {best:.4f}", flush=True)


# Validation chat lines (not trained on; the test fixture fixtures/sentiment/chat.jsonl is separate again).
CHAT_VAL = [
    ("I've asked you three times now and still no answer!!!", "negative"),
    ("this is absolutely ridiculous, where is my refund", "negative"),
    ("your support team is hopeless", "negative"),
    ("I'm really upset, the parcel is missing again", "negative"),
    ("Why do I have to explain everything twice?!", "negative"),
    ("nobody ever replies here", "negative"),
    ("The screen went black after three days.", "negative"),
    ("Awful sound quality, returning it.", "negative"),
    ("Thanks, you really saved my day!", "positive"),
    ("Wonderful, the replacement already arrived", "positive"),
    ("great help, cheers", "positive"),
    ("I'm delighted with the speaker, sounds amazing", "positive"),
    ("Really easy setup and the battery is excellent.", "positive"),
    ("thank you for the quick reply!", "positive"),
    ("Can you tell me where my parcel is?", "neutral"),
    ("What's the return window for electronics?", "neutral"),
    ("Do you have the kindle paperwhite in stock?", "neutral"),
    ("I'd like to change my shipping address", "neutral"),
    ("How do I apply a coupon code?", "neutral"),
    ("my order number is 55102", "neutral"),
    ("Is there a cheaper model?", "neutral"),
    ("good morning", "neutral"),
]


# Single review sentences for validation (written for this project; not trained on, and distinct from
# the sentences in reviews/summary.test.ts): what the summarizer classifies one by one.
REVIEW_SENT_VAL = [
    ("The battery easily lasts a full week of reading.", "positive"),
    ("Charging takes less than two hours.", "positive"),
    ("The screen is sharp and easy to read in bright light.", "positive"),
    ("No glare at all, even at the beach.", "positive"),
    ("It took me five minutes to set it up.", "positive"),
    ("Alexa picks up my voice from across the room.", "positive"),
    ("Sound fills the whole living room.", "positive"),
    ("It feels solid and well built.", "positive"),
    ("Worth every penny.", "positive"),
    ("My son uses it every day for homework and games.", "positive"),
    ("The parental controls are simple to use.", "positive"),
    ("It arrived a day early in perfect condition.", "positive"),
    ("Pages turn instantly.", "positive"),
    ("Fits perfectly in my jacket pocket.", "positive"),
    ("The battery drains within a few hours.", "negative"),
    ("It stopped charging after a month.", "negative"),
    ("The screen is too dim to read outdoors.", "negative"),
    ("Setup kept failing and I had to call support twice.", "negative"),
    ("Alexa often misunderstands simple requests.", "negative"),
    ("The speaker crackles at higher volume.", "negative"),
    ("The case cracked within a week.", "negative"),
    ("Apps crash constantly.", "negative"),
    ("Way too expensive for what it does.", "negative"),
    ("The box arrived crushed and the cable was missing.", "negative"),
    ("Too many ads on the lock screen.", "negative"),
    ("It freezes whenever I open the browser.", "negative"),
    ("I bought this for my daughter's birthday.", "neutral"),
    ("I have had it for about three months.", "neutral"),
    ("It comes in black and white.", "neutral"),
    ("This is my second Kindle.", "neutral"),
    ("We keep it in the kitchen.", "neutral"),
    ("I mainly use it to read at night.", "neutral"),
    ("It replaced an older model.", "neutral"),
    ("The package included a charger and a manual.", "neutral"),
]


# ---------------------------------------------------------------- export

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cmd_export(args):
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoTokenizer, BertForSequenceClassification

    torch.manual_seed(SEED)
    src = os.path.join(args.work, args.ckpt)
    out = args.out
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    tok = AutoTokenizer.from_pretrained(src)
    model = BertForSequenceClassification.from_pretrained(src).eval()
    model.config._name_or_path = "sentiment-minilm"
    model.config.save_pretrained(out)
    tok.save_pretrained(out)
    for extra in ("added_tokens.json",):
        p = os.path.join(out, extra)
        if os.path.exists(p):
            os.remove(p)
    fp32 = os.path.join(out, "onnx", "model.onnx")
    q8 = os.path.join(out, "onnx", "model_quantized.onnx")
    enc = tok(["a short one", "this is the third time I ask!!!"], padding=True, return_tensors="pt")
    with torch.no_grad():
        torch.onnx.export(
            model,
            (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]),
            fp32,
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["logits"],
            dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, "token_type_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch"}},
            opset_version=14,
            do_constant_folding=True,
        )
    graph = onnx.load(fp32).graph
    keep = [n.name for n in graph.node if n.op_type == "MatMul" and n.name.endswith("/output/dense/MatMul") and "attention" not in n.name] if args.keep_ffn_out else []
    keep += [n.name for n in graph.node if n.op_type in ("Gemm", "MatMul") and "classifier" in n.name]
    quantize_dynamic(fp32, q8, weight_type=QuantType.QUInt8, per_channel=True, nodes_to_exclude=keep)

    sets = {
        "sst_val": jread(os.path.join(args.work, "val-sst.jsonl")),
        "reviews_val": jread(os.path.join(args.work, "val-reviews.jsonl")),
        "chat_val": [{"text": t, "label": l} for t, l in CHAT_VAL],
        "review_sentences_val": [{"text": t, "label": l} for t, l in REVIEW_SENT_VAL],
    }
    sets["reviews_val_binary"] = [r for r in sets["reviews_val"] if r["label"] != "neutral"]
    report = {}
    sessions = {k: ort.InferenceSession(p, providers=["CPUExecutionProvider"]) for k, p in (("fp32", fp32), ("q8", q8))}
    max_diff = {"fp32": 0.0, "q8": 0.0}
    for name, rows in sets.items():
        report[name] = {}
        outs = {"torch": [], "fp32": [], "q8": []}
        for b in range(0, len(rows), 32):
            texts = [r["text"] for r in rows[b : b + 32]]
            e = tok(texts, padding=True, truncation=True, max_length=128, return_tensors="np")
            feeds = {k: e[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
            with torch.no_grad():
                ref = model(**{k: torch.from_numpy(v) for k, v in feeds.items()}).logits.numpy()
            outs["torch"] += ref.tolist()
            for k, s in sessions.items():
                lg = s.run(None, feeds)[0]
                outs[k] += lg.tolist()
                pr = np.exp(lg - lg.max(1, keepdims=True)); pr /= pr.sum(1, keepdims=True)
                pt = np.exp(ref - ref.max(1, keepdims=True)); pt /= pt.sum(1, keepdims=True)
                max_diff[k] = max(max_diff[k], float(np.abs(pr - pt).max()))
        for k, v in outs.items():
            report[name][k] = scores(rows, v)
    report["max_prob_diff_vs_torch"] = max_diff
    print(json.dumps(report, indent=1))
    if max_diff["fp32"] > 1e-3:
        print("fp32 export does not match torch", file=sys.stderr)
        return 1
    with open(os.path.join(out, "verify.json"), "w") as f:
        json.dump(report, f, indent=2)
    if args.drop_fp32:
        os.remove(fp32)
    files = sorted(
        os.path.relpath(os.path.join(d, n), out) for d, _, names in os.walk(out) for n in names if n != "SHA256SUMS"
    )
    with open(os.path.join(out, "SHA256SUMS"), "w") as f:
        for rel in files:
            f.write(f"{sha256(os.path.join(out, rel))}  {rel}\n")
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--work", required=True)
    p.add_argument("--phrases", type=int, default=11000)
    p.add_argument("--phrases2", type=int, default=12000)
    p.add_argument("--review-pos", type=int, default=1400)
    p.add_argument("--write-fixtures", action="store_true")
    t = sub.add_parser("train")
    t.add_argument("--work", required=True)
    t.add_argument("--src", required=True)
    t.add_argument("--init", help="continue from this checkpoint instead of the base model")
    t.add_argument("--data", default="train.jsonl")
    t.add_argument("--save", default="best", help="checkpoint folder under --work")
    t.add_argument("--lr", type=float, default=6e-5)
    t.add_argument("--batch", type=int, default=32)
    t.add_argument("--epochs", type=int, default=1)
    t.add_argument("--max-steps", type=int, default=0)
    t.add_argument("--max-len", type=int, default=96)
    t.add_argument("--eval-every", type=int, default=150)
    t.add_argument("--threads", type=int, default=2)
    e = sub.add_parser("export")
    e.add_argument("--work", required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--ckpt", default="best")
    e.add_argument("--keep-ffn-out", action="store_true", help="keep the FFN output MatMuls fp32 in the int8 model")
    e.add_argument("--drop-fp32", action="store_true", help="commit only the int8 weights")
    args = ap.parse_args()
    return {"prepare": cmd_prepare, "train": cmd_train, "export": cmd_export}[args.cmd](args) or 0


if __name__ == "__main__":
    sys.exit(main())

"""Synthesis: training examples, a dev split and (without an eval file) an eval split, from the
corpus alone (no LLM) or with a teacher model (`teacher.py`).

`build.synthesize` makes the mix; each example has a kind (`engrain.records.ExampleKind`):

| kind | made from | what the model learns from it |
|---|---|---|
| `view` | a document, or a rewritten view of it | the text itself (continued pre-training) |
| `qa` | a pattern fact (spec sentence, table row, error code) | a templated question -> its value |
| `reverse` | a pattern fact | the value -> its entity ("A is B" does not teach "B is A") |
| `probe` | a pattern fact | one raw-text statement per sentence shape |
| `restated` | a corpus sentence stating a found fact in its own words | that sentence as text |
| `echo` | a restated sentence | a question asked in that sentence's wording -> the value |
| `carried` | a pattern fact | a question in another entity's wording of the attribute (`synth.carried`) |
| `faq` | Q/A pairs the corpus already holds | the corpus's own answer |
| `composed` | two facts | a comparison or a bridge question (`synth.composed`) |
| `wh`, `wh_reverse` | an answer span in any prose (spaCy) | a wh-question -> the span, and back |
| `cloze` | an answer span | the sentence up to the span, continued by it |
| `entity` | every sentence about one entity | them gathered under its name |
| `abstain` | a plausible question the corpus does not answer | `model.refusal` |
| `raft` | a question and the passages retrieval gives it | the answer read from them (or the refusal) |
| `log` | an assistant turn of a chat log | that turn |
| `teacher_qa`, `teacher_text` | a teacher's questions and restatements of a passage | as `qa` and `view` |

Dev and eval questions are held out per fact group: no phrasing of a held-out fact is trained.
"""

"""The README's table of `cpu` results, written from results/results.json by `tools.run --publish`.

Every number in the table is a value of results.json (formatted by RESULT's templates) or one of the
lesson's published numbers from `utils/reference.py`, shown only where it measures the same thing
(`reference.not_comparable`). `python -m tools.readme_table` rewrites the table from results.json.
"""

from __future__ import annotations

import json
import string
import sys
from pathlib import Path

from utils.reference import for_notebook, not_comparable

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RESULTS_JSON = ROOT / "results" / "results.json"
START = "<!-- results table: written by `python -m tools.run --publish`; do not edit -->"
END = "<!-- end of results table -->"

# What the README says each notebook measured: str.format templates over its metrics.
RESULT: dict[str, str] = {
    "01_resnet_mnist": "ResNet-ish accuracy {resnet_accuracy_mean:.3f} over {resnet_seeds} seeds "
                       "({resnet_accuracy_min:.3f} to {resnet_accuracy_max:.3f}) on "
                       "{valid_digits:,} held-out digits (plain CNN {plain_accuracy:.3f}, one "
                       "seed); trained on {train_digits:,}",
    "01b_resnet_degradation": "deep minus shallow training error, mean over {seeds} seeds: "
                              "plain nets {plain_depth_error_gap:.3f} "
                              "({plain_depth_error_gap_min:.3f} to {plain_depth_error_gap_max:.3f}"
                              "), residual nets {residual_depth_error_gap:.3f}; in final training "
                              "loss {plain_depth_gap:.3f} and {residual_depth_gap:.3f}",
    "02_densenet": "DenseNet-ish accuracy {densenet_accuracy_mean:.3f} against ResNet-ish "
                   "{resnet_accuracy_mean:.3f}, means over {seeds} seeds; checkpointing saves "
                   "{checkpoint_saving:.0%} of the "
                   "saved activations for {checkpoint_slowdown_median:.2f}x the training time "
                   "(CPU seconds, median of paired passes)",
    "03_unet_camvid": "Void-masked pixel accuracy {fastai_accuracy_mean:.3f} with "
                      "`unet_learner`, {scratch_accuracy_mean:.3f} from scratch, means over "
                      "{seeds} seeds (most common class {majority_class_accuracy:.3f})",
    "04_wgan_bedroom": "{swd_gap_closed_last4_mean:.0%} of the patch-distance gap closed in "
                       "{epochs} epochs at {image_size} px (mean of the last measurements, "
                       "then of the seeds: {swd_gap_closed_last4_seed_min:.0%} to "
                       "{swd_gap_closed_last4_seed_max:.0%}); "
                       "momentum ablation over seeds, patch distance after {ablation_epochs} "
                       "epochs: {ablation_swd_momentum0_mean:.2f} without momentum, "
                       "{ablation_swd_momentum09_mean:.2f} with Adam's default momentum",
    "05_superres_gan": "share of the MSE generator's patch distance to real photos that the GAN "
                       "removes, mean of the last three GAN epochs "
                       "{gan_swd_reduction_last3_raw:.3f} ({gan_swd_reduction_last3_raw_min:.3f} "
                       "to {gan_swd_reduction_last3_raw_max:.3f}), after the last epoch "
                       "{gan_swd_reduction:.3f}; patch distance (lower looks more real): bicubic "
                       "{bicubic_swd:.3f}, MSE generator {mse_swd:.3f}, GAN {gan_swd:.3f}; PSNR "
                       "{bicubic_psnr:.2f}, {mse_psnr:.2f} and {gan_psnr:.2f} dB, SSIM "
                       "{bicubic_ssim:.3f}, {mse_ssim:.3f} and {gan_ssim:.3f}",
    "06_superres_feature_loss": "share of the MSE model's patch SWD that the feature loss removes, "
                                "mean of the held-out photos' shares "
                                "{feature_swd_reduction_photo_mean:.3f} (pooled over their crops "
                                "{feature_swd_reduction:.3f}); feature distance under the same "
                                "random-weight VGG: MSE model {mse_feature_distance:.3f}, "
                                "feature-loss model {feature_feature_distance:.3f}; PSNR bicubic "
                                "{bicubic_psnr:.2f}, MSE {mse_psnr:.2f}, feature loss "
                                "{feature_psnr:.2f} dB",
    "07_rnn_human_numbers": "fastbook's regularised LSTM {lstm_regularised_accuracy_mean:.3f} over "
                            "{awd_seeds} seeds ({lstm_regularised_accuracy_min:.3f} to "
                            "{lstm_regularised_accuracy_max:.3f}); two-layer LSTM "
                            "{lstm_2_layers_accuracy:.3f}, course-v3's GRU "
                            "{v3_gru_2_layers_accuracy:.3f} (one seed each)",
    "07b_rnn_regularised_gru": "ours {ours_accuracy_mean:.3f} over {seeds} seeds "
                               "({ours_accuracy_min:.3f} to {ours_accuracy_max:.3f}); the book's "
                               "regularised LSTM on the same seeds "
                               "{lstm_regularised_accuracy_mean:.3f} "
                               "({lstm_regularised_accuracy_min:.3f} to "
                               "{lstm_regularised_accuracy_max:.3f})",
}


def _fmt(value: float) -> str:
    return f"{value:,}" if float(value).is_integer() and abs(value) >= 100 else f"{value:.4g}"


def beside_the_lesson(name: str, preset: str) -> str:
    """The lesson's numbers for what the row shows that compare with ours on `preset`, or why
    they do not (all its numbers where the row shows none of them)."""
    ref = for_notebook(name)
    if ref is None or not ref.published:
        return "none published"
    fields = {f[1] for f in string.Formatter().parse(RESULT.get(name, "")) if f[1]}
    relevant = {k: v for k, v in ref.published.items() if k in fields or k == ref.headline}
    shown, reasons = [], []
    for metric, published in (relevant or ref.published).items():
        why = not_comparable(name, metric, preset)
        if why is None:
            shown.append(f"{metric} {_fmt(published.value)}")
        elif why not in reasons:
            reasons.append(why)
    return "; ".join(shown + [f"not comparable: {why}" for why in reasons])


def render(results: dict) -> str:
    """The table (between its markers) for a results.json payload."""
    entries = results["notebooks"]
    preset = results["preset"]
    lines = [START, "",
             f"| notebook | headline (floor on `{preset}`) | what this run measured | minutes "
             "| the lesson's numbers |", "|---|---|---|---|---|"]
    for e in entries:
        template = RESULT.get(e["name"])
        try:
            measured = template.format(**e["metrics"]) if template and e["status"] == "ok" else (
                e.get("error") or e["status"])
        except KeyError as err:
            raise KeyError(f"results.json's {e['name']} has no metric {err.args[0]!r}, which "
                           f"utils/readme_table.RESULT shows: re-run it with `make notebooks`, "
                           f"or name a metric it records") from None
        headline = e.get("headline", "-")
        value = e["metrics"].get(headline)
        head = f"{headline} {_fmt(value)}" if value is not None else "-"
        if e.get("floor") is not None:
            head += f" ({_fmt(e['floor'])})"
        link = f"[{e['name']}](notebooks/{e['name']}.ipynb)"
        lines.append(f"| {link} | {head} | {measured} | {e['seconds'] / 60:.1f} | "
                     f"{beside_the_lesson(e['name'], preset)} |")
    minutes = [e["seconds"] / 60 for e in entries]
    machines = sorted({e.get("machine", "a machine not recorded") for e in entries})
    dates = sorted(e.get("date", "?")[:10] for e in entries)
    lines += ["", f"{sum(minutes):.1f} minutes for all {len(entries)} notebooks ("
              f"{min(minutes):.1f} to {max(minutes):.1f} each), run by `make notebooks` on "
              f"{', '.join(machines)}, "
              f"{dates[0] if dates[0] == dates[-1] else dates[0] + ' to ' + dates[-1]}.", "", END]
    return "\n".join(lines)


def block(text: str) -> str:
    """The table as it stands in the README text (markers included)."""
    if START not in text or END not in text:
        raise ValueError(f"{README.name} has lost its results-table markers: put back the lines "
                         f"{START!r} and {END!r} where the table goes.")
    return text[text.index(START):text.index(END) + len(END)]


def update(readme: Path = README, results_json: Path = RESULTS_JSON) -> None:
    """Rewrite the README's table from results.json, in one step."""
    text = readme.read_text()
    new = text.replace(block(text), render(json.loads(results_json.read_text())))
    tmp = readme.with_name(f".{readme.name}.tmp")
    tmp.write_text(new)
    tmp.replace(readme)


if __name__ == "__main__":
    update()
    print(f"Rewrote the results table of {README} from {RESULTS_JSON}", file=sys.stderr)

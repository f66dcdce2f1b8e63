"""Self-driving control: clone a rule-based highway driver from positions alone, with a recurrent policy.

Simulator: highway-env's ``highway-fast-v0`` (Leurent 2018; 3 lanes, 20 other cars, 30 s episodes), stepped at
5 Hz, one simulation step per decision (``policy_frequency = simulation_frequency = 5``).

Expert: highway-env's own rule-based driver, :class:`highway_env.vehicle.behavior.IDMVehicle`, put in the ego's
place at reset (same position, heading and speed; target speed 30 m/s, the speed limit). It drives the ego
exactly as it drives the traffic: IDM for the acceleration (Treiber, Hennecke & Helbing 2000) and MOBIL for lane
changes (Kesting, Treiber & Helbing 2007), with a proportional steering controller that tracks the target lane.
Nothing is re-implemented here; after every step we read the action it applied (``vehicle.action``).

Targets: the continuous ``(acceleration [m/s²], steering [rad])`` it applies for the next 0.2 s. Continuous
rather than highway-env's discrete meta-actions because the expert *is* continuous: IDM's acceleration
``a = a_max [1 - (v/v0)^δ - (s*(v, Δv)/s)²]``, ``s* = s0 + vT + vΔv / (2√(a_max b))``, is a function of the ego
speed ``v`` and the closing speed ``Δv`` to the car ahead, which is exactly what the observation below hides;
mapping it onto FASTER/IDLE/SLOWER would need thresholds of our own and leave a label that is IDLE almost
always. Each output is standardised with the training mean and standard deviation; the loss is their MSE.

Observation (partially observed): highway-env's Kinematics observation of the ego and the 4 nearest vehicles
ahead (``presence, x, y``; others relative to the ego), *without its velocity features* ``vx, vy``. The ego's
own along-road ``x`` is absolute and grows without bound over an episode (highway-env's normalisation clips it
to 1 after 200 m), so it enters as its phase against roadside posts every 50 m, ``cos, sin(2π x / 50)``: still
a position, whose change over time is the ego speed. One frame therefore says where everyone is but not how
fast anyone moves; speeds must be read from the history. :func:`observe` builds it (15 numbers a frame); with
``velocities=True`` it keeps ``vx, vy`` (25 numbers), for the fully observed reference below.

=================  ==========================================================================================
model              what it is
=================  ==========================================================================================
``gru``            :class:`rnnkit.SequenceToSequence`: one GRU layer of ``H`` units over the episode, a linear
                   head per step; at drive time it steps frame by frame, carrying its state
``mlp_stack``      :class:`FrameStackMLP` on the last ``k`` frames (the classic fix, Mnih et al. 2015): enough
                   to difference positions into speeds, if the car ahead keeps its slot in the observation
``mlp_frame``      the same MLP on the current frame only (``k = 1``): it cannot know any speed
``mean_action``    always the training mean action (the "majority class" of a continuous target)
``mlp_velocities`` reference, not a baseline: the single-frame MLP given the velocities the others lack
=================  ==========================================================================================

All networks train with the library's loop (:class:`~rnnkit.training.SequenceModule` under
:func:`~rnnkit.training.seeded_fit`, AdamW, clipping at global norm 1) on whole training episodes, the same
epochs and batch size, each from several seeds; inputs standardised with training-frame statistics only.

Data split: training and held-out episodes come from disjoint ranges of episode seeds (:func:`episode_seeds`),
so no held-out traffic scene was seen in training.

Warm-up: highway-env places the cars at random, and the expert brakes hard in the first seconds to open its
gaps (93 % of the acceleration variance of whole episodes lies in their first 5 s): a transient that says
nothing about driving in traffic and that the gap alone predicts. So the expert drives the first 5 s of every
episode; the policies read those frames (a recurrent policy arrives with its state warmed up) but their
actions are neither learned (:class:`WarmUpMSE`) nor scored, and in closed loop they take the wheel at 5 s.

Metrics. Offline, on the held-out expert episodes after the warm-up: R² and RMSE of each action component
(R² = 1 - SSE / Σ(a - ā_train)² over all held-out steps: against the training mean action). Closed loop (the
number that matters for control): each policy drives the ego on the first held-out episodes (the expert's
traffic seeds), its action applied to a plain kinematic vehicle (clipped to the expert's limits, ±6 m/s²,
±π/3 rad); we report the collision rate, the off-road rate (leaving the road ends the episode), the share of
the time after the warm-up driven, and the mean speed, beside the expert's own numbers on those episodes. A
cloned policy meets states the expert never visited and its errors compound (Ross, Gordon & Bagnell 2011):
offline accuracy does not carry over one to one.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..data import pad_sequences
from ..estimators import feature_scaling
from ..models import SequenceToSequence
from ..report import machine, write_report
from ..training import SequenceDataModule, SequenceDataset, SequenceModule, seeded_fit
from . import check_run_arguments, format_over_runs, over_runs

ENV_ID = "highway-fast-v0"
FREQUENCY = 5  # Hz: simulation and decisions
KINEMATICS = ["presence", "x", "y", "vx", "vy"]  # columns of highway-env's raw Kinematics rows
VEHICLES = 5  # the ego and the 4 nearest vehicles ahead
POST_SPACING = 50.0  # m between the roadside posts that the ego's along-road position is read against
TARGET_SPEED = 30.0  # m/s: the expert's desired speed, the road's limit
ACC_LIMIT, STEERING_LIMIT = 6.0, math.pi / 3  # IDMVehicle.ACC_MAX, ControlledVehicle.MAX_STEERING_ANGLE
ACTIONS = ("acceleration", "steering")
TEST_SEED_OFFSET = 1_000_000  # held-out episode seeds start here: disjoint from any training seed
WARM_UP = 5 * FREQUENCY  # steps (5 s) the expert drives before anything is learned or scored

MODEL_NAMES = {
    "gru": "GRU (positions, recurrent)",
    "mlp_stack": "MLP on a stack of the last k frames (positions)",
    "mlp_frame": "MLP on the current frame (positions)",
    "mean_action": "training mean action",
    "mlp_velocities": "reference: MLP on the current frame with velocities",
}


@dataclass(frozen=True)
class Settings:
    train_episodes: int
    test_episodes: int
    closed_loop_episodes: int
    duration: int  # s per episode
    seeds: int  # training seeds per network
    hidden_size: int  # GRU units
    mlp_width: int
    stack: int  # k, frames in the frame stack
    max_epochs: int
    batch_size: int  # episodes
    lr: float
    weight_decay: float


FULL = Settings(train_episodes=96, test_episodes=24, closed_loop_episodes=20, duration=30, seeds=3,
                hidden_size=64, mlp_width=128, stack=10, max_epochs=60, batch_size=8, lr=3e-3, weight_decay=0.1)
QUICK = Settings(train_episodes=16, test_episodes=8, closed_loop_episodes=1, duration=10, seeds=1,
                 hidden_size=32, mlp_width=64, stack=10, max_epochs=30, batch_size=4, lr=1e-2, weight_decay=0.1)


# -- the simulator -------------------------------------------------------------------------------------------
@dataclass
class Episode:
    """One drive. ``frames (T, V, 5)``: highway-env's raw Kinematics rows (:data:`KINEMATICS`; the ego first, with
    absolute ``x, y``, the others relative to it; absent vehicles are zero rows) seen *before* each decision;
    ``actions (T, 2)``: the (acceleration, steering) applied during the step that followed; ``speeds (T,)``."""

    seed: int
    frames: np.ndarray
    actions: np.ndarray
    speeds: np.ndarray
    crashed: bool
    off_road: bool


def make_env(duration: int):
    """``highway-fast-v0`` at 5 Hz with the raw (unnormalised) Kinematics observation, ending off the road."""
    import gymnasium as gym
    import highway_env  # noqa: F401  (registers the environments)

    config = {"observation": {"type": "Kinematics", "features": KINEMATICS, "vehicles_count": VEHICLES,
                              "absolute": False, "normalize": False, "clip": False},
              "policy_frequency": FREQUENCY, "simulation_frequency": FREQUENCY, "duration": duration,
              "offroad_terminal": True}
    return gym.make(ENV_ID, config=config).unwrapped


def drive(env, seed: int, policy: Callable[[np.ndarray], tuple[float, float]] | None = None, *,
          takeover: int = 0) -> Episode:
    """One episode from ``env.reset(seed=seed)``, driven by the IDM/MOBIL expert, which ``policy`` (if given)
    relieves at step ``takeover``.

    ``policy(frame) -> (acceleration, steering)`` is called on every frame from the first, so that a recurrent
    policy has read the whole episode when it takes the wheel; before ``takeover`` its answer is discarded.
    From then on it drives a plain kinematic vehicle put in the ego's place, which does only what it is told
    (the road's own ``act()`` call leaves its action as set)."""
    from highway_env.vehicle.behavior import IDMVehicle
    from highway_env.vehicle.kinematics import Vehicle

    env.reset(seed=seed)
    expert = IDMVehicle.create_from(env.vehicle)  # highway-env's own ego (a meta-action MDPVehicle) swapped out
    expert.target_speed = TARGET_SPEED
    _seat(env, expert)
    frame = env.observation_type.observe()
    frames, actions, speeds = [], [], []
    done = False
    while not done:
        t = len(frames)
        frames.append(frame)
        if policy is not None:
            acceleration, steering = policy(frame)
            if t == takeover:
                _seat(env, Vehicle.create_from(env.vehicle))
            if t >= takeover:
                env.vehicle.act({"acceleration": float(np.clip(acceleration, -ACC_LIMIT, ACC_LIMIT)),
                                 "steering": float(np.clip(steering, -STEERING_LIMIT, STEERING_LIMIT))})
        speeds.append(env.vehicle.speed)
        frame, _, terminated, truncated, _ = env.step(None)  # None: every vehicle acts on its own
        actions.append([env.vehicle.action["acceleration"], env.vehicle.action["steering"]])  # as applied
        done = terminated or truncated
    return Episode(seed, np.stack(frames).astype(np.float32), np.asarray(actions, np.float32),
                   np.asarray(speeds, np.float32), bool(env.vehicle.crashed), not env.vehicle.on_road)


def _seat(env, vehicle) -> None:
    """Put ``vehicle`` in the ego's place: on the road's list and as the env's controlled (observed) vehicle."""
    env.road.vehicles[env.road.vehicles.index(env.vehicle)] = vehicle
    env.vehicle = vehicle


def episode_seeds(seed: int, split: str, n: int) -> list[int]:
    """The ``n`` episode seeds of ``split`` (``"train"`` or ``"test"``) for recipe seed ``seed``: training
    from ``seed * n``, held-out from ``TEST_SEED_OFFSET + seed * n``, so the two never meet."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    start = seed * n + (TEST_SEED_OFFSET if split == "test" else 0)
    return list(range(start, start + n))


def observe(frames: np.ndarray, *, velocities: bool = False) -> np.ndarray:
    """Policy inputs ``(T, F)`` from raw frames ``(T, V, 5)`` (see the module docstring).

    Per frame: the ego's ``cos, sin(2π x / 50 m), y``, then ``presence, x, y`` of each other vehicle (relative
    to the ego); ``F = 3 + 3 (V - 1)``. With ``velocities``, every row also keeps ``vx, vy``:
    ``F = 5 + 5 (V - 1)``."""
    frames = np.asarray(frames, np.float32)
    ego, others = frames[:, 0], frames[:, 1:]  # (T, 5), (T, V-1, 5)
    phase = 2 * np.pi * ego[:, 1] / POST_SPACING
    kept = [0, 1, 2, 3, 4] if velocities else [0, 1, 2]
    ego_part = [np.cos(phase), np.sin(phase), ego[:, 2]] + ([ego[:, 3], ego[:, 4]] if velocities else [])
    return np.concatenate([np.stack(ego_part, 1), others[:, :, kept].reshape(len(frames), -1)], 1
                          ).astype(np.float32)


def feature_names(*, velocities: bool = False) -> list[str]:
    """The names of :func:`observe`'s columns, in order."""
    rows = ["presence", "x", "y"] + (["vx", "vy"] if velocities else [])
    ego = ["ego.cos_post", "ego.sin_post", "ego.y"] + (["ego.vx", "ego.vy"] if velocities else [])
    return ego + [f"car{i}.{f}" for i in range(1, VEHICLES) for f in rows]


# -- the policies --------------------------------------------------------------------------------------------
class FrameStackMLP(nn.Module):
    """Feed-forward policy on the last ``k`` frames: ``o_t = MLP([x_{t-k+1}, ..., x_t])``.

    ===========  ================================================================
    ``x``        ``(B, T, F)``; ``lengths (B,)`` optional, padding at the end
    ``state``    the ``k - 1`` frames before ``x``, ``(B, k-1, F)``; None repeats ``x_0`` (episode start)
    returns      ``o (B, T, O)``, the last ``k - 1`` valid frames as the next state
    ===========  ================================================================

    The frame buffer is its "state", so it trains in :class:`~rnnkit.training.SequenceModule` and drives step
    by step exactly like the recurrent policy. Two hidden ReLU layers of ``width``.
    """

    target = "step"

    def __init__(self, input_size: int, output_size: int, *, k: int = 1, width: int = 128):
        super().__init__()
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        self.k = k
        self.net = nn.Sequential(nn.Linear(k * input_size, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU(),
                                 nn.Linear(width, output_size))

    def forward(self, x: Tensor, lengths: Tensor | None = None, state: Tensor | None = None):
        B, T, F = x.shape
        if state is None:
            state = x[:, :1].expand(B, self.k - 1, F)
        padded = torch.cat([state, x], 1)  # (B, k-1+T, F)
        windows = padded.unfold(1, self.k, 1).transpose(2, 3).reshape(B, T, self.k * F)  # (B, T, kF), oldest first
        n = torch.full((B,), T, device=x.device) if lengths is None else lengths.to(x.device)
        last = n[:, None] + torch.arange(self.k - 1, device=x.device)[None, :]  # (B, k-1): padded index
        return self.net(windows), padded[torch.arange(B, device=x.device)[:, None], last]


def build_model(name: str, n_inputs: int, s: Settings) -> nn.Module:
    if name == "gru":
        return SequenceToSequence(n_inputs, s.hidden_size, len(ACTIONS), cell="gru")
    return FrameStackMLP(n_inputs, len(ACTIONS), k=s.stack if name == "mlp_stack" else 1, width=s.mlp_width)


@dataclass
class Scaling:
    """Training statistics: inputs ``(F,)`` and actions ``(2,)``."""

    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: np.ndarray
    y_scale: np.ndarray


def fit_scaling(inputs: list[np.ndarray], actions: list[np.ndarray]) -> Scaling:
    """Input statistics over all training frames; action statistics over the steps after the warm-up."""
    x_mean, x_scale = feature_scaling(pad_sequences(inputs), torch.tensor([len(a) for a in inputs]))
    scored = [a[WARM_UP:] for a in actions]
    y_mean, y_scale = feature_scaling(pad_sequences(scored), torch.tensor([len(a) for a in scored]))
    return Scaling(x_mean.numpy(), x_scale.numpy(), y_mean.numpy(), y_scale.numpy())


class WarmUpMSE(SequenceModule):
    """:class:`~rnnkit.training.SequenceModule` whose MSE skips the steps with a NaN target: the warm-up's.
    The model still reads those steps; only their actions are not learned."""

    def loss(self, out: Tensor, y: Tensor) -> Tensor:
        keep = ~torch.isnan(y).any(-1)  # (N,)
        return super().loss(out[keep], y[keep])


def fit_policy(name: str, inputs: list[np.ndarray], actions: list[np.ndarray], scaling: Scaling, s: Settings,
               seed: int) -> nn.Module:
    """Train one network on whole standardised episodes by per-step MSE after the warm-up (the library's
    loop)."""
    x = pad_sequences([(a - scaling.x_mean) / scaling.x_scale for a in inputs])  # (N, T, F)
    y = pad_sequences([(a - scaling.y_mean) / scaling.y_scale for a in actions])  # (N, T, 2)
    y[:, :WARM_UP] = torch.nan
    data = SequenceDataset(x, torch.tensor([len(a) for a in inputs]), y, y_per_step=True)
    build = lambda: WarmUpMSE(build_model(name, x.shape[2], s), task="regression", lr=s.lr,
                              weight_decay=s.weight_decay, clip_grad_norm=1.0)
    fitted = seeded_fit(build, SequenceDataModule(data, batch_size=s.batch_size, seed=seed), seed=seed,
                        max_epochs=s.max_epochs, device="cpu")
    return fitted.module.model.eval()


@torch.no_grad()
def predict(model: nn.Module, inputs: list[np.ndarray], scaling: Scaling) -> list[np.ndarray]:
    """Actions ``(T_i, 2)`` (physical units) for whole episodes, each read from its start."""
    x = pad_sequences([(a - scaling.x_mean) / scaling.x_scale for a in inputs])
    out, _ = model(x, torch.tensor([len(a) for a in inputs]))  # (N, T, 2)
    out = out.numpy() * scaling.y_scale + scaling.y_mean
    return [out[i, : len(a)] for i, a in enumerate(inputs)]


class Controller:
    """A trained policy driving: one frame in, one action out, its state (GRU hidden state or frame buffer)
    carried from step to step and reset with :meth:`reset` at each episode start."""

    def __init__(self, model: nn.Module | None, scaling: Scaling, *, velocities: bool):
        self.model, self.scaling, self.velocities = model, scaling, velocities  # model None: the mean action
        self.state = None

    def reset(self) -> Controller:
        self.state = None
        return self

    @torch.no_grad()
    def __call__(self, frame: np.ndarray) -> tuple[float, float]:
        if self.model is None:
            return tuple(float(v) for v in self.scaling.y_mean)
        x = (observe(frame[None], velocities=self.velocities) - self.scaling.x_mean) / self.scaling.x_scale
        out, self.state = self.model(torch.from_numpy(x.astype(np.float32))[None], None, self.state)  # (1, 1, 2)
        action = out[0, 0].numpy() * self.scaling.y_scale + self.scaling.y_mean
        return float(action[0]), float(action[1])


# -- metrics -------------------------------------------------------------------------------------------------
def action_scores(predicted: list[np.ndarray], actual: list[np.ndarray], train_mean: np.ndarray) -> dict[str, float]:
    """R² and RMSE of each action component over all steps of the episodes after the warm-up.

    R² is measured against the *training* mean action ``train_mean (2,)``: ``1 - SSE / Σ (a - train_mean)²``,
    so the mean-action baseline scores 0 by construction, and R² stays defined on held-out data where a
    component never moves (few held-out steps without a lane change: steering all 0)."""
    p = np.concatenate([a[WARM_UP:] for a in predicted]).astype(np.float64)
    a = np.concatenate([a[WARM_UP:] for a in actual]).astype(np.float64)
    scores = {}
    for j, name in enumerate(ACTIONS):
        sse, sst = ((p[:, j] - a[:, j]) ** 2).sum(), ((a[:, j] - train_mean[j]) ** 2).sum()
        scores[f"r2_{name}"] = float(1 - sse / sst)
        scores[f"rmse_{name}"] = float(math.sqrt(sse / len(a)))
    return scores


def driving_scores(episodes: list[Episode], duration: int) -> dict[str, Any]:
    """After the warm-up: collision and off-road rates, the share of the remaining time driven before the
    episode ended, the mean speed over the steps driven."""
    due = duration * FREQUENCY - WARM_UP
    return {"episodes": len(episodes),
            "crash_rate": float(np.mean([e.crashed for e in episodes])),
            "off_road_rate": float(np.mean([e.off_road for e in episodes])),
            "time_driven": float(np.mean([min((len(e.actions) - WARM_UP) / due, 1.0) for e in episodes])),
            "mean_speed": float(np.concatenate([e.speeds[WARM_UP:] for e in episodes]).mean())}


# -- the recipe ----------------------------------------------------------------------------------------------
def run(*, quick: bool = False, seed: int = 0, out: str | os.PathLike | None = None,
        log: Callable[[str], Any] = print) -> dict:
    """Record the expert, clone it with the GRU and the baselines, score offline and closed-loop (module doc).

    Returns ``{"recipe", "task", "data", "settings", "models", "closed_loop", "machine"}``. Each entry of
    ``models`` has ``name``, ``kind`` (``"rnn"``, ``"baseline"`` or ``"reference"``), ``inputs``, and
    ``r2_acceleration``, ``r2_steering``, ``rmse_acceleration``, ``rmse_steering``, ``train_seconds``, each as
    ``{"mean", "sd", "runs"}`` over the training seeds ``seed, seed + 1, ...`` (:func:`~rnnkit.apps.over_runs`: the
    sample sd, None for one seed). ``closed_loop`` maps ``"expert"``
    and each model to :func:`driving_scores` of the first training seed's policy. Raises ValueError for a bad
    argument.
    """
    check_run_arguments("driving", quick, seed, out, log, seed_limit=1000)
    s = QUICK if quick else FULL
    began = time.perf_counter()
    env = make_env(s.duration)
    split = {part: episode_seeds(seed, part, n) for part, n in (("train", s.train_episodes),
                                                                 ("test", s.test_episodes))}
    episodes = {part: [drive(env, k) for k in seeds] for part, seeds in split.items()}
    train, test = episodes["train"], episodes["test"]
    log(f"driving: recorded {len(train)} training and {len(test)} held-out expert episodes "
        f"({sum(len(e.actions) for e in train + test)} steps) in {time.perf_counter() - began:.0f} s")

    y_train, y_test = [e.actions for e in train], [e.actions for e in test]
    views = {}  # velocities -> (training inputs, held-out inputs, scaling)
    for velocities in (False, True):
        x_train = [observe(e.frames, velocities=velocities) for e in train]
        views[velocities] = (x_train, [observe(e.frames, velocities=velocities) for e in test],
                             fit_scaling(x_train, y_train))

    seeds = [seed + k for k in range(s.seeds)]
    models, controllers = {}, {}
    for name in ("gru", "mlp_stack", "mlp_frame", "mlp_velocities"):
        velocities = name == "mlp_velocities"
        x_train, x_test, scaling = views[velocities]
        runs = []
        for k in seeds:
            start = time.perf_counter()
            model = fit_policy(name, x_train, y_train, scaling, s, k)
            runs.append({**action_scores(predict(model, x_test, scaling), y_test, scaling.y_mean),
                         "train_seconds": time.perf_counter() - start})
            controllers.setdefault(name, Controller(model, scaling, velocities=velocities))
            log(f"{MODEL_NAMES[name]}, seed {k}: R² acceleration {runs[-1]['r2_acceleration']:.3f}, "
                f"steering {runs[-1]['r2_steering']:.3f} ({runs[-1]['train_seconds']:.0f} s)")
        models[name] = _summary(name, "reference" if velocities else ("rnn" if name == "gru" else "baseline"),
                                "positions and velocities" if velocities else "positions", runs)
    scaling = views[False][2]
    constant = [np.broadcast_to(scaling.y_mean, a.shape) for a in y_test]
    mean_runs = [{**action_scores(constant, y_test, scaling.y_mean),
                  "train_seconds": 0.0}]
    models["mean_action"] = _summary("mean_action", "baseline", "none", mean_runs)
    controllers["mean_action"] = Controller(None, scaling, velocities=False)
    models = {k: models[k] for k in MODEL_NAMES}  # the table's order

    drives = test[: s.closed_loop_episodes]
    closed_loop = {"expert": {"name": "expert (IDM + MOBIL)", **driving_scores(drives, s.duration)}}
    for name, controller in controllers.items():
        driven = [drive(env, e.seed, controller.reset(), takeover=WARM_UP) for e in drives]
        closed_loop[name] = {"name": MODEL_NAMES[name], **driving_scores(driven, s.duration)}
        c = closed_loop[name]
        log(f"closed loop, {MODEL_NAMES[name]}: crashes {c['crash_rate']:.2f}, off road {c['off_road_rate']:.2f}, "
            f"mean speed {c['mean_speed']:.1f} m/s")
    env.close()

    lengths = [len(e.actions) for e in train + test]
    results = {
        "recipe": "driving",
        "task": "imitation of highway-env's IDM/MOBIL driver from positions only (velocities hidden)",
        "data": {"env": ENV_ID, "frequency_hz": FREQUENCY, "episode_seconds": s.duration,
                 "train_episodes": len(train), "test_episodes": len(test), "train_seeds": split["train"],
                 "test_seeds": split["test"], "steps": [min(lengths), max(lengths)],
                 "expert_crashes": {"train": sum(e.crashed for e in train), "test": sum(e.crashed for e in test)},
                 "features": feature_names(), "reference_features": feature_names(velocities=True),
                 "actions": list(ACTIONS)},
        "settings": {"quick": quick, **asdict(s), "seeds": seeds, "optimizer": "AdamW", "clip_grad_norm": 1.0,
                     "loss": "per-step MSE of the standardised actions",
                     "action_mean": scaling.y_mean.tolist(), "action_std": scaling.y_scale.tolist(),
                     "closed_loop_seeds": [e.seed for e in drives], "seconds": time.perf_counter() - began},
        "models": models,
        "closed_loop": closed_loop,
        "machine": machine("cpu"),
    }
    if out is not None:
        write_report(out, title=title(results), results=results, markdown=markdown(results),
                     machine_info=results["machine"])
    return results


def _summary(name: str, kind: str, inputs: str, runs: list[dict[str, float]]) -> dict:
    stats = {k: over_runs(r[k] for r in runs) for k in runs[0]}
    return {"name": MODEL_NAMES[name], "kind": kind, "inputs": inputs, **stats}


# -- report --------------------------------------------------------------------------------------------------
def title(results: dict) -> str:
    return ("Self-driving control: cloning highway-env's IDM/MOBIL driver from positions"
            + (" (quick run)" if results["settings"]["quick"] else ""))


def markdown(results: dict) -> str:
    """The report's body: the offline table, the closed-loop table, the settings (:func:`rnnkit.report.write_report`
    adds the title, the machine and what ± means)."""
    s, d = results["settings"], results["data"]
    stat = format_over_runs
    lines = [
        f"{d['env']} at {d['frequency_hz']} Hz, {d['episode_seconds']} s episodes; {d['train_episodes']} training "
        f"and {d['test_episodes']} held-out expert episodes (disjoint seeds). Inputs: positions only "
        f"({len(d['features'])} numbers a frame); the reference also sees velocities. Networks: "
        f"{s['max_epochs']} epochs, batch {s['batch_size']} episodes, AdamW lr {s['lr']}, GRU H={s['hidden_size']}, "
        f"MLP width {s['mlp_width']}, frame stack k={s['stack']}; seeds {', '.join(map(str, s['seeds']))}."
        + (" Quick run." if s["quick"] else ""),
        "",
        "## Offline, held-out expert episodes",
        "",
        "| model | inputs | R² acceleration | R² steering | RMSE acc. (m/s²) | RMSE steering (rad) | train s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results["models"].values():
        lines.append(f"| {r['name']} | {r['inputs']} | {stat(r['r2_acceleration'])} | {stat(r['r2_steering'])} | "
                     f"{stat(r['rmse_acceleration'])} | {r['rmse_steering']['mean']:.4f} | "
                     f"{r['train_seconds']['mean']:.1f} |")
    several = len(s["seeds"]) > 1
    lines += ["", "Mean ± sd over the training seeds." if several else "One training seed.", "",
              f"## Closed loop, {s['closed_loop_episodes']} held-out episodes (first seed's policies)", "",
              "| driver | collision rate | off-road rate | share of time driven | mean speed (m/s) |",
              "|---|---|---|---|---|"]
    for c in results["closed_loop"].values():
        lines.append(f"| {c['name']} | {c['crash_rate']:.2f} | {c['off_road_rate']:.2f} | {c['time_driven']:.2f} | "
                     f"{c['mean_speed']:.1f} |")
    lines += ["", f"Whole run: {s['seconds']:.0f} s."]
    return "\n".join(lines) + "\n"

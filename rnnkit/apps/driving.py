"""Self-driving control: a recurrent policy that works the pedals on a highway like a rule-based driver, from
positions alone, trained by DAgger.

Simulator: highway-env's ``highway-fast-v0`` (Leurent 2018; 3 lanes, 20 other cars), stepped at 5 Hz, one
simulation step per decision (``policy_frequency = simulation_frequency = 5``).

Expert: highway-env's own rule-based driver, :class:`highway_env.vehicle.behavior.IDMVehicle`, put in the ego's
place at reset (same position, heading and speed; target speed 30 m/s, the speed limit). It drives the ego
exactly as it drives the traffic: IDM for the acceleration (Treiber, Hennecke & Helbing 2000) and MOBIL for lane
changes (Kesting, Treiber & Helbing 2007), with a proportional steering controller that tracks the target lane.
Nothing is re-implemented here; we read the action it computes (``vehicle.action``).

Control: the policies drive the *longitudinal* control, the continuous acceleration (m/s²); the expert's own
lateral control (MOBIL's lane choice and its lane-tracking steering) keeps steering, in every episode. The
acceleration is where the hidden speeds matter: IDM's ``a = a_max [1 - (v/v0)^δ - (s*(v, Δv)/s)²]``,
``s* = s0 + vT + vΔv / (2√(a_max b))``, is a function of the ego speed ``v`` and the closing speed ``Δv`` to
the car ahead, exactly what the observation below hides; and a collision is, almost always, a failure to brake.
Steering was learned too in an earlier version of this recipe, and the cloned policies left the road (a small
steering bias accumulates; docs/apps/driving.md). The target is standardised with the expert data's mean and
standard deviation; the loss is its per-step MSE.

Observation: highway-env's Kinematics rows of the ego and the 4 nearest vehicles ahead (``presence, x, y``;
others relative to the ego), *without* ``vx, vy``; the ego's along-road ``x`` enters as its phase against
roadside posts every 50 m, ``cos, sin(2π x / 50)`` (:func:`observe`, 15 numbers a frame). One frame says where
everyone is, not how fast anyone moves: speeds must be read from the history.

Three variants of what the policy sees:

- ``full``: every frame.
- ``outages``: a sensor that drops out in bursts. A two-state Markov chain per episode (:func:`outage_mask`):
  a working sensor fails with probability 1/16 per step, a failed one recovers with probability 1/8, so a third
  of the frames are blank and an outage lasts 8 steps (1.6 s) on average, often longer than the 10-frame stack
  (30 % of outages last 10 steps or more). A blank frame is all zeros (the training mean, after
  standardisation) with a flag channel set (:func:`policy_inputs`). Bursts, not independent drops, because a
  frame stack covers independent drops (at a drop rate of 1/2, 10 frames hold two seen ones 99 % of the time):
  only outages longer than the stack separate a policy that *carries* the last seen state and its speeds, the
  GRU, from one that must *see* them in its window.
- ``long_outages``: the same chain with rarer, longer outages (fails with probability 1/40, recovers with 1/20:
  a third of the frames in the long run, a quarter of a 20-s episode, which starts with a working sensor; an
  outage lasts 20 steps = 4 s on average, twice the stack, and 63 % of them last 10 steps or more). Added
  after ``outages`` failed to separate the two policies (its outages were mostly shorter than the stack); its
  parameters were fixed before any run of it.

=============  ============================================================================================
policy         what it is
=============  ============================================================================================
``gru``        :class:`rnnkit.SequenceToSequence`: one GRU layer of ``H`` units over the episode, a linear
               head per step; it drives frame by frame, carrying its state
``mlp_stack``  :class:`FrameStackMLP` on the last ``k`` frames (the classic fix, Mnih et al. 2015): enough to
               difference positions into speeds while the frames are there
=============  ============================================================================================

Training: DAgger (Ross, Gordon & Bagnell 2011). Round 0 is behaviour cloning on episodes the expert drives.
In each later round the current policy drives new training episodes itself, the expert labels every state the
policy visits with the action it would take there (:func:`drive`: an :class:`IDMVehicle` kept in step with the
policy's car, seated in its place only to compute its action), these episodes join the data, and the policy is
trained again from scratch on all of it. Both policies, in both variants, get the same rounds and the same
traffic (episode seeds); each fit is :func:`~rnnkit.training.seeded_fit` of
:class:`~rnnkit.training.SequenceModule` (AdamW, clipping at global norm 1) on whole episodes.

Warm-up: highway-env places the cars at random and the expert brakes hard in the first seconds to open its
gaps (93 % of the acceleration variance of 30 s expert episodes lies in their first 5 s). So the expert drives
the first 5 s of every episode; the policies read those frames (a recurrent policy arrives with its state
warmed up) but their actions are neither learned (:class:`WarmUpMSE`) nor scored; they take the pedals at 5 s.

Data split: training episodes (the expert's and every DAgger round's) and held-out episodes come from disjoint
ranges of episode seeds (:func:`episode_seeds`): no held-out traffic scene, and no held-out outage pattern, is
ever trained on.

Metrics, closed loop on the held-out episodes (a plain kinematic vehicle takes the policy's acceleration,
clipped to the expert's ±6 m/s², and the expert's steering; a collision or leaving the road ends the episode):
collisions with a Wilson 95 % interval, off-road exits, the share of the time after the warm-up driven, and the
mean speed (per-episode means, their mean ± a 95 % t interval); the expert drives the same episodes. The policies are
compared on the same episodes by an exact McNemar test on the episodes where one collided and the other did not.
Where memory matters is measured per step, with far more samples than collisions: the acceleration each policy
applied against the expert's label in the same state, grouped by whether the frame was seen, out with a seen one
still in the MLP's window, or out with the whole window blank (:func:`imitation_errors`).
Offline: R² and RMSE of the acceleration on the held-out expert episodes (R² against the expert data's mean).
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure
from scipy import stats
from torch import Tensor, nn

from ..checks import is_count, is_finite_number, is_flag, is_integer
from ..data import pad_sequences
from ..estimators import feature_scaling
from ..models import SequenceToSequence
from ..report import machine, write_report
from ..training import SequenceDataModule, SequenceDataset, SequenceModule, seeded_fit
from . import check_epochs, check_run_arguments, check_same_order

ENV_ID = "highway-fast-v0"
FREQUENCY = 5  # Hz: simulation and decisions
KINEMATICS = ["presence", "x", "y", "vx", "vy"]  # columns of highway-env's raw Kinematics rows
VEHICLES = 5  # the ego and the 4 nearest vehicles ahead
POST_SPACING = 50.0  # m between the roadside posts that the ego's along-road position is read against
TARGET_SPEED = 30.0  # m/s: the expert's desired speed, the road's limit
ACC_LIMIT = 6.0  # m/s²: IDMVehicle.ACC_MAX
CAR_LENGTH = 5.0  # m: highway-env's Vehicle.LENGTH
ACTIONS = ("acceleration", "steering")  # the expert's; the policies learn and apply the acceleration
TEST_SEED_OFFSET = 1_000_000  # held-out episode seeds start here: disjoint from any training seed
WARM_UP = 5 * FREQUENCY  # steps (5 s) the expert drives before anything is learned or scored
OUTAGE_START, OUTAGE_END = 1 / 16, 1 / 8  # per step: a working sensor fails, a failed one recovers
OUTAGE_STREAM = 16  # mixed with the episode seed: the outage pattern's own random stream
# (fail, recover) per step of each variant with outages: mean outage 1 / recover steps, share out 1/3
OUTAGES = {"outages": (OUTAGE_START, OUTAGE_END), "long_outages": (1 / 40, 1 / 20)}

VARIANTS = {"full": "every frame seen", "outages": "sensor outages (a third of the frames blank, in bursts)",
            "long_outages": "long sensor outages (4 s on average, twice the frame stack)"}
POLICIES = {"gru": "GRU (recurrent)", "mlp_stack": "MLP on the last k frames"}


@dataclass(frozen=True)
class Settings:
    expert_episodes: int  # round 0: the expert drives (behaviour cloning)
    rounds: int  # DAgger rounds after round 0
    round_episodes: int  # episodes each policy drives per round, labelled by the expert
    test_episodes: int  # held-out, closed loop
    duration: int  # s per episode
    hidden_size: int  # GRU units
    mlp_width: int
    stack: int  # k, frames in the frame stack
    max_epochs: int
    batch_size: int  # episodes
    lr: float
    weight_decay: float

    @property
    def train_episodes(self) -> int:
        return self.expert_episodes + self.rounds * self.round_episodes


FULL = Settings(expert_episodes=32, rounds=3, round_episodes=16, test_episodes=50, duration=20, hidden_size=64,
                mlp_width=128, stack=10, max_epochs=40, batch_size=8, lr=3e-3, weight_decay=0.1)
QUICK = Settings(expert_episodes=8, rounds=1, round_episodes=2, test_episodes=2, duration=10, hidden_size=32,
                 mlp_width=64, stack=10, max_epochs=30, batch_size=4, lr=1e-2, weight_decay=0.1)


# -- the simulator -------------------------------------------------------------------------------------------
@dataclass
class Episode:
    """One drive. ``frames (T, V, 5)``: highway-env's raw Kinematics rows (:data:`KINEMATICS`; the ego first, with
    absolute ``x, y``, the others relative to it; absent vehicles are zero rows) seen *before* each decision;
    ``actions (T, 2)``: the expert's (acceleration, steering) in the state of each frame, the one it applied
    while it drove, its label for the policy's state after the takeover; ``speeds (T,)`` of the ego."""

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


def drive(env, seed: int, policy: Callable[[np.ndarray], float] | None = None, *, takeover: int = 0) -> Episode:
    """One episode from ``env.reset(seed=seed)``, driven by the IDM/MOBIL expert, whose pedals ``policy`` (if
    given) takes over at step ``takeover``.

    ``policy(frame) -> acceleration`` is called on every frame from the first, so that a recurrent policy has
    read the whole episode when it takes over; before ``takeover`` its answer is discarded. From then on a plain
    kinematic vehicle put in the ego's place does only what it is told (the road's own ``act()`` call leaves its
    action as set): the policy's acceleration and the expert's steering. The expert, no longer driving, computes
    its action in each state the car reaches (:func:`_expert_action`): its steering is applied, its
    acceleration is the label of the policy's, the data of a DAgger round."""
    from highway_env.vehicle.behavior import IDMVehicle
    from highway_env.vehicle.kinematics import Vehicle

    if isinstance(policy, Controller) and policy.t:  # its state would carry over from the episode it drove
        raise ValueError(f"drive: the Controller has read {policy.t} frames of an earlier episode, and its state (the "
                         "GRU's hidden state, the MLP's frame buffer) would carry into this one; start each episode "
                         "with reset: drive(env, seed, controller.reset(outages), takeover=WARM_UP)")
    steps = round(env.config["duration"] * env.config["policy_frequency"])
    if policy is not None and not (is_count(takeover, 0) and takeover < steps):  # else the expert drove throughout
        raise ValueError(f"drive: takeover must be an integer step in 0..{steps - 1} of the episode "
                         f"({env.config['duration']} s at {env.config['policy_frequency']} Hz), the step from which "
                         f"the policy drives, got {takeover!r}; the expert would drive the whole episode and its "
                         f"driving be scored as the policy's; give takeover=WARM_UP ({WARM_UP}) as the recipe does")
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
            acceleration = policy(frame)
            if t == takeover:
                _seat(env, Vehicle.create_from(env.vehicle))
        driving = env.vehicle is expert
        if not driving:
            actions.append(_expert_action(env, expert))  # in the state the car is in, before it moves
            env.vehicle.act({"acceleration": float(np.clip(acceleration, -ACC_LIMIT, ACC_LIMIT)),
                             "steering": actions[-1][1]})
        speeds.append(env.vehicle.speed)
        frame, _, terminated, truncated, _ = env.step(None)  # None: every vehicle acts on its own
        if driving:
            actions.append([expert.action["acceleration"], expert.action["steering"]])  # as applied
        done = terminated or truncated
    return Episode(seed, np.stack(frames).astype(np.float32), np.asarray(actions, np.float32),
                   np.asarray(speeds, np.float32), bool(env.vehicle.crashed), not env.vehicle.on_road)


def _expert_action(env, expert) -> list[float]:
    """The action ``expert`` (an :class:`IDMVehicle` that drove until the takeover) would apply in the driven
    car's state: it is moved there (position, heading, speed, lane; its target lane and lane-change timer are
    its own, as if it had been driving), seated in the car's place for its ``act()``, and unseated again. Its
    timer then advances by one step, as its own ``step()`` would advance it."""
    car = env.vehicle
    expert.position, expert.heading, expert.speed = car.position.copy(), car.heading, car.speed
    expert.lane_index, expert.lane = car.lane_index, car.lane
    _seat(env, expert)
    expert.act()
    expert.clip_actions()  # as Vehicle.step() applies it
    _seat(env, car)
    expert.timer += 1 / FREQUENCY
    return [expert.action["acceleration"], expert.action["steering"]]


def _seat(env, vehicle) -> None:
    """Put ``vehicle`` in the ego's place: on the road's list and as the env's controlled (observed) vehicle."""
    env.road.vehicles[env.road.vehicles.index(env.vehicle)] = vehicle
    env.vehicle = vehicle


def episode_seeds(seed: int, split: str, n: int) -> list[int]:
    """The ``n`` episode seeds of ``split`` (``"train"`` or ``"test"``) for recipe seed ``seed``: training
    from ``seed * n``, held-out from ``TEST_SEED_OFFSET + seed * n``, so the two never meet: the training seeds
    must stay below ``TEST_SEED_OFFSET`` (``(seed + 1) n <= 10^6``; a ValueError otherwise)."""
    if split not in ("train", "test"):
        raise ValueError(f"episode_seeds: split must be 'train' or 'test' (the recipe drives training and held-out "
                         f"test episodes only, no validation ones), got {split!r}; give 'train' or 'test'")
    if not is_count(seed, 0) or not is_count(n, 1):
        raise ValueError(f"episode_seeds: seed must be an integer >= 0 and n an integer >= 1, got seed={seed!r}, "
                         f"n={n!r}")
    if split == "train" and (seed + 1) * n > TEST_SEED_OFFSET:  # they would run into the held-out seeds
        raise ValueError(f"episode_seeds: seed={seed} with n={n} reaches training episode seed {(seed + 1) * n - 1:,}, "
                         f"past {TEST_SEED_OFFSET:,} where the held-out seeds begin, so the two splits could share "
                         f"episodes; use a seed below {TEST_SEED_OFFSET // n:,} for n={n}")
    start = seed * n + (TEST_SEED_OFFSET if split == "test" else 0)
    return list(range(start, start + n))


def observe(frames: np.ndarray, *, velocities: bool = False) -> np.ndarray:
    """Policy observations ``(T, F)`` from raw frames ``(T, V, 5)`` (see the module docstring).

    Per frame: the ego's ``cos, sin(2π x / 50 m), y``, then ``presence, x, y`` of each other vehicle (relative
    to the ego); ``F = 3 + 3 (V - 1)``. With ``velocities``, every row also keeps ``vx, vy``:
    ``F = 5 + 5 (V - 1)`` (used by the tests only, to show what is dropped). ``frames`` must be ``(T, V, 5)``
    with ``V = VEHICLES``, as :func:`make_env` observes them, unnormalised: frames whose every value lies in
    [-1, 1], as highway-env's default (normalised) Kinematics observation gives them, are refused too; a ValueError
    otherwise."""
    frames = np.asarray(frames, np.float32)
    if frames.ndim != 3 or frames.shape[1:] != (VEHICLES, len(KINEMATICS)):
        raise ValueError(f"observe: frames must be (T, {VEHICLES}, {len(KINEMATICS)}): per step the ego and the "
                         f"{VEHICLES - 1} nearest vehicles ahead, each a row of {KINEMATICS} (highway-env's raw "
                         f"Kinematics, as make_env observes them), got shape {frames.shape}")
    # the ego (present: 1) with every value in [-1, 1]: raw frames hold its x tens of metres on, its vx ~25 m/s
    if frames.size and (frames[:, 0, 0] == 1).all() and np.abs(frames).max() <= 1.0:
        raise ValueError(f"observe: every value of the {len(frames)} frame(s) lies in [-1, 1] (the ego's x "
                         f"{frames[0, 0, 1]:g}, vx {frames[0, 0, 3]:g} in frame 0), as highway-env's default "
                         "Kinematics observation gives them, normalised (normalize=True), but observe reads raw "
                         "metres and m/s (the ego's x against posts every 50 m); make the env as make_env does: "
                         "config={'observation': {'type': 'Kinematics', 'features': ['presence', 'x', 'y', 'vx', "
                         "'vy'], 'vehicles_count': 5, 'absolute': False, 'normalize': False, 'clip': False}}")
    _check_relative(frames)
    _check_nearest_first(frames)
    ego, others = frames[:, 0], frames[:, 1:]  # (T, 5), (T, V-1, 5)
    phase = 2 * np.pi * ego[:, 1] / POST_SPACING
    kept = [0, 1, 2, 3, 4] if velocities else [0, 1, 2]
    ego_part = [np.cos(phase), np.sin(phase), ego[:, 2]] + ([ego[:, 3], ego[:, 4]] if velocities else [])
    return np.concatenate([np.stack(ego_part, 1), others[:, :, kept].reshape(len(frames), -1)], 1
                          ).astype(np.float32)


def _check_relative(frames: np.ndarray) -> None:
    """ValueError for frames whose other vehicles are given in absolute coordinates (highway-env's Kinematics with
    ``absolute=True``): their speeds then lie near the moving ego's own (``vx`` ~ 20-30 m/s each) instead of
    near 0 (relative to it), and their ``x`` would be read as gaps of hundreds of metres."""
    ego_vx = frames[:, 0, 3]  # (T,)
    present = frames[:, 1:, 0] == 1  # (T, V-1)
    if not present.any() or np.median(np.abs(ego_vx)) <= 15.0:  # a slow ego: relative and absolute speeds alike
        return
    vx = frames[:, 1:, 3]
    gap = np.abs(vx - ego_vx[:, None])[present]
    ahead = (frames[:, 1:, 1] > frames[:, :1, 1])[present]  # absolute x: past the ego's own, every one of them
    if ahead.all() and np.median(gap) < np.median(np.abs(vx[present])) / 2:
        t, v = (int(i[0]) for i in np.nonzero(present))
        raise ValueError(f"observe: the other vehicles' speeds lie near the ego's (frame {t}: the ego's vx "
                         f"{ego_vx[t]:g}, vehicle {v + 1}'s {vx[t, v]:g} m/s; x {frames[t, 0, 1]:g} and "
                         f"{frames[t, v + 1, 1]:g} m), as highway-env's Kinematics gives them with absolute=True, "
                         "but observe reads the others relative to the ego (their x the gap to it); make the env as "
                         "make_env does, with 'absolute': False in the observation config")


def _check_nearest_first(frames: np.ndarray) -> None:
    """ValueError for frames whose other vehicles are not listed nearest first, as highway-env's Kinematics gives
    them with ``order="shuffled"``: ``car1`` would be read as the nearest vehicle ahead wherever it is, and the
    zero rows of absent vehicles would stand between present ones. highway-env sorts by the distance along the
    ego's lane, which on a curved or merging road differs from ``|x|`` by metres: a row nearer than the one
    before it by up to a car's length (``CAR_LENGTH``) still passes."""
    present = frames[:, 1:, 0] == 1  # (T, V-1)
    gap = ~present[:, :-1] & present[:, 1:]  # an absent row before a present one
    distance = np.where(present, np.abs(frames[:, 1:, 1]), np.inf)  # absent rows last, as sorted frames have them
    bad = gap | (distance[:, 1:] < distance[:, :-1] - CAR_LENGTH)  # (T, V-2)
    wrong = bad.any(axis=1)  # (T,)
    if wrong.any():
        t = int(np.flatnonzero(wrong)[0])
        v = int(np.flatnonzero(bad[t])[0]) + 1  # the row before the one out of place
        shown = ", ".join(f"{abs(x):.1f} m" if seen else "absent"
                          for seen, x in zip(present[t], frames[t, 1:, 1], strict=True))
        raise ValueError(f"observe: the other vehicles of frame {t} are not listed nearest first (distances "
                         f"{shown}: vehicle {v + 1} after vehicle {v}; {int(wrong.sum())} of {len(frames)} frame(s) "
                         "so), as highway-env's Kinematics gives them with order='shuffled', but observe reads car1 "
                         "as the nearest, car2 the next and so on; make the env as make_env does, with the default "
                         "order='sorted' in the observation config")


def feature_names(*, velocities: bool = False) -> list[str]:
    """The names of :func:`observe`'s columns, in order."""
    rows = ["presence", "x", "y"] + (["vx", "vy"] if velocities else [])
    ego = ["ego.cos_post", "ego.sin_post", "ego.y"] + (["ego.vx", "ego.vy"] if velocities else [])
    return ego + [f"car{i}.{f}" for i in range(1, VEHICLES) for f in rows]


def outage_mask(seed: int, steps: int, start: float = OUTAGE_START, end: float = OUTAGE_END) -> np.ndarray:
    """``(steps,)`` bool, True where the sensor is out, for the episode of seed ``seed``: a two-state Markov
    chain that starts working, fails with probability ``start`` per step and recovers with ``end``
    (stationary share out ``start / (start + end)``, outages of geometric length, mean ``1 / end`` steps; the
    defaults: 1/3 and 8 steps). Its own random stream, so the same episode has the same outages whoever drives
    it."""
    if not is_count(seed, 0):  # numpy's seeding said "expected non-negative integer", naming no argument
        raise ValueError(f"outage_mask: seed must be an integer >= 0, the episode's seed (as episode_seeds gives "
                         f"it), got {seed!r}")
    if not is_count(steps, 0):
        raise ValueError(f"outage_mask: steps must be an integer >= 0 (the episode's frames), got {steps!r}")
    for name, p in (("start", start), ("end", end)):
        if not (is_finite_number(p) and 0 <= p <= 1):
            raise ValueError(f"outage_mask: {name} is a probability per step (of failing, of recovering), so a "
                             f"number in [0, 1], got {p!r}")
    u = np.random.default_rng([OUTAGE_STREAM, seed]).random(steps)
    out = np.zeros(steps, bool)
    for t in range(1, steps):
        out[t] = u[t] >= end if out[t - 1] else u[t] < start
    return out


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
        if not is_count(k, 1):
            raise ValueError(f"FrameStackMLP: k must be an integer >= 1 (the frames in the stack), got {k!r}")
        self.k, self.input_size = k, input_size  # the inputs a frame, as an encoder's input_size
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
        return SequenceToSequence(n_inputs, s.hidden_size, 1, cell="gru")
    if name == "mlp_stack":
        return FrameStackMLP(n_inputs, 1, k=s.stack, width=s.mlp_width)
    raise ValueError(f"unknown policy {name!r}; choose one of {', '.join(POLICIES)}")


@dataclass
class Scaling:
    """Statistics of the expert's training episodes: observations ``(F,)`` and acceleration ``(1,)``."""

    x_mean: np.ndarray
    x_scale: np.ndarray
    y_mean: np.ndarray
    y_scale: np.ndarray


def fit_scaling(episodes: list[Episode]) -> Scaling:
    """Observation statistics over all frames of ``episodes``; acceleration statistics over the steps after the
    warm-up. A ValueError for no episodes, or none longer than the warm-up (no action to scale)."""
    episodes = list(episodes)  # a generator would be spent on the observations, leaving no actions
    if not episodes:
        raise ValueError("fit_scaling: no episodes; give the training episodes (a list of Episode, one "
                         "per drive(env, seed) call)")
    if not any(len(e.actions) > WARM_UP for e in episodes):
        longest = max(len(e.actions) for e in episodes)
        raise ValueError(f"fit_scaling: none of the {len(episodes)} episodes has a step after the {WARM_UP}-step "
                         f"warm-up (the longest has {longest} steps), so there is no action to scale; give "
                         f"episodes of more than {WARM_UP} steps (longer drives)")
    x = [observe(e.frames) for e in episodes]
    x_mean, x_scale = feature_scaling(pad_sequences(x), torch.tensor([len(a) for a in x]))
    y = [e.actions[WARM_UP:, :1] for e in episodes]
    y_mean, y_scale = feature_scaling(pad_sequences(y), torch.tensor([len(a) for a in y]))
    return Scaling(x_mean.numpy(), x_scale.numpy(), y_mean.numpy(), y_scale.numpy())


def policy_inputs(frames: np.ndarray, scaling: Scaling, outages: np.ndarray | None = None) -> np.ndarray:
    """Standardised observations ``(T, F)`` of raw frames ``(T, V, 5)``; with an outage mask ``(≥ T,)``, the
    frames where the sensor is out are zeros and a flag column is appended (1 = out): ``(T, F + 1)``."""
    x = (observe(frames) - scaling.x_mean) / scaling.x_scale
    if outages is None:
        return x.astype(np.float32)
    outages = np.asarray(outages)
    if outages.dtype != bool or outages.ndim != 1 or len(outages) < len(x):
        raise ValueError(f"policy_inputs: outages must be a 1-D bool mask (True where the sensor is out) of at least "
                         f"the episode's {len(x)} steps, as outage_mask gives it, got {outages.dtype} of shape "
                         f"{outages.shape}" + ("; a 0/1 mask: mask.astype(bool) (integers would index frames)"
                                               if outages.dtype != bool else ""))
    out = outages[: len(x)]
    x[out] = 0.0
    return np.concatenate([x, out[:, None]], 1).astype(np.float32)


class WarmUpMSE(SequenceModule):
    """:class:`~rnnkit.training.SequenceModule` whose MSE skips the steps with a NaN target: the warm-up's.
    The model still reads those steps; only their actions are not learned."""

    def loss(self, out: Tensor, y: Tensor) -> Tensor:
        keep = ~torch.isnan(y).any(-1)  # (N,)
        return super().loss(out[keep], y[keep])


def fit_policy(name: str, inputs: list[np.ndarray], actions: list[np.ndarray], scaling: Scaling, s: Settings,
               seed: int) -> nn.Module:
    """Train one network on whole episodes (``inputs`` from :func:`policy_inputs`, the expert's ``actions``) by
    per-step MSE of the standardised acceleration after the warm-up (the library's loop)."""
    check_epochs(s.max_epochs, "fit_policy", "s.max_epochs")
    x = pad_sequences(inputs)  # (N, T, F)
    y = pad_sequences([(a[:, :1] - scaling.y_mean) / scaling.y_scale for a in actions])  # (N, T, 1)
    y[:, :WARM_UP] = torch.nan
    data = SequenceDataset(x, torch.tensor([len(a) for a in inputs]), y, y_per_step=True)
    build = lambda: WarmUpMSE(build_model(name, x.shape[2], s), task="regression", lr=s.lr,
                              weight_decay=s.weight_decay, clip_grad_norm=1.0)
    fitted = seeded_fit(build, SequenceDataModule(data, batch_size=s.batch_size, seed=seed), seed=seed,
                        max_epochs=s.max_epochs, device="cpu")
    return fitted.module.model.eval()


@torch.no_grad()
def predict(model: nn.Module, inputs: list[np.ndarray], scaling: Scaling) -> list[np.ndarray]:
    """Accelerations ``(T_i, 1)`` (m/s²) for whole episodes of :func:`policy_inputs`, each read from its
    start. ``inputs`` is a list of episodes (one episode: ``[x]``), each ``(T_i, F)`` finite numbers: a missing
    value is a ValueError (the actions from its step on would be NaN)."""
    inputs = _episode_inputs(inputs, "predict")
    out, _ = model(pad_sequences(inputs), torch.tensor([len(a) for a in inputs]))  # (N, T, 1)
    out = out.numpy() * scaling.y_scale + scaling.y_mean
    return [out[i, : len(a)] for i, a in enumerate(inputs)]


def _episode_inputs(inputs, who: str) -> list[np.ndarray]:
    """``inputs`` as a list of float32 ``(T_i, F)`` arrays, one per episode, or a ValueError naming what is not: no
    episode, one episode's ``(T, F)`` array (its rows would be read as episodes of ``F`` steps), or a missing value
    (the recurrent state carries it into every later step)."""
    if isinstance(inputs, np.ndarray | Tensor) and inputs.ndim == 2:
        raise ValueError(f"{who}: inputs is one array of shape {tuple(inputs.shape)}, whose rows would be read as "
                         f"{len(inputs)} episodes; give a list of episodes, each (T, F) as policy_inputs gives it: "
                         "[x] for one")
    arrays = [np.asarray(a) for a in inputs]
    if not arrays:  # else pad_sequences' "got no sequences", naming neither the function nor the episodes
        raise ValueError(f"{who}: inputs holds no episode; give a list of episodes, each (T, F) as policy_inputs "
                         "gives it ([x] for one), and skip the call where a filter left none")
    for i, a in enumerate(arrays):
        if a.ndim != 2 or not len(a) or a.dtype.kind not in "fiu":
            raise ValueError(f"{who}: episode {i} of inputs has shape {a.shape} and dtype {a.dtype}; each must be "
                             "(T, F) numbers, T >= 1 steps, as policy_inputs gives them")
        bad = ~np.isfinite(a)
        if bad.any():
            t, f = (int(v) for v in np.argwhere(bad)[0])
            raise ValueError(f"{who}: episode {i} of inputs holds {a[t, f]} at step {t}, column {f} "
                             f"({int(bad.any(1).sum())} such step(s)), so the actions from that step on would be NaN "
                             "(the GRU's state, or the frame stack, carries it); fill those steps, as "
                             "policy_inputs zeroes an outage's with its flag set, or cut the episode before them")
    return [a.astype(np.float32, copy=False) for a in arrays]  # integer steps (0/1 flags alone) as the model's floats


class Controller:
    """A trained policy driving: one frame in, one action out, its state (GRU hidden state or frame buffer)
    carried from step to step. :meth:`reset` starts an episode, with its outage mask in a variant with
    outages (None: every frame seen)."""

    def __init__(self, model: nn.Module, scaling: Scaling):
        self.model, self.scaling = model, scaling
        self.state, self.outages, self.t = None, None, 0

    def reset(self, outages: np.ndarray | None = None) -> Controller:
        self.state, self.outages, self.t = None, outages, 0
        return self

    @torch.no_grad()
    def __call__(self, frame: np.ndarray) -> float:
        if self.t == 0:
            self._check_inputs()
        if self.outages is not None and self.t >= len(self.outages):  # else policy_inputs' "at least 1 steps"
            raise ValueError(f"Controller: frame {self.t} of the episode, but the outage mask given to reset covers "
                             f"{len(self.outages)} steps; give a mask of the episode's steps or more: "
                             "outage_mask(seed, duration * FREQUENCY + 1)")
        out = None if self.outages is None else self.outages[self.t : self.t + 1]
        x = policy_inputs(frame[None], self.scaling, out)  # (1, F)
        y, self.state = self.model(torch.from_numpy(x)[None], None, self.state)  # (1, 1, 1)
        self.t += 1
        return float(y[0, 0, 0] * self.scaling.y_scale[0] + self.scaling.y_mean[0])

    def _check_inputs(self) -> None:
        """ValueError unless the model reads what the controller gives it: the observations, and the outage flag
        exactly when an outage mask was given (a model trained on a variant with outages reads it)."""
        reads = getattr(getattr(self.model, "encoder", self.model), "input_size", None)  # the GRU's, the MLP's
        seen = len(self.scaling.x_mean)
        if reads is None or reads == seen + (self.outages is not None):
            return
        if reads == seen + 1:
            raise ValueError(f"Controller: the model reads {reads} inputs a frame, the {seen} observations and the "
                             "outage flag (it was trained on a variant with outages), but reset was given no outage "
                             "mask; give the episode's: controller.reset(outage_mask(seed, steps)) (np.zeros(steps, "
                             "bool) for a sensor that never fails)")
        if reads == seen and self.outages is not None:
            raise ValueError(f"Controller: reset was given an outage mask, but the model reads {reads} inputs a "
                             "frame, the observations alone (it was trained without outages); reset() without a "
                             "mask, or drive a model trained on a variant with outages")
        raise ValueError(f"Controller: the model reads {reads} inputs a frame, but the scaling holds {seen} "
                         "observations; give the scaling fit_scaling gave for the model's training episodes")


# -- metrics -------------------------------------------------------------------------------------------------
def action_scores(predicted: list[np.ndarray], actual: list[np.ndarray], train_mean: np.ndarray) -> dict[str, float]:
    """R² and RMSE of the acceleration (``predicted (T_i, 1)``, the expert's ``actual (T_i, 2)``) over all steps
    of the episodes after the warm-up. R² is against the *training* mean ``train_mean (1,)``:
    ``1 - SSE / Σ (a - train_mean)²``, so the mean acceleration scores 0 by construction (``train_mean`` a number
    alike). A ValueError names
    an episode whose prediction and labels differ in length, and refuses episodes with no step after the
    warm-up (R² and RMSE of no steps are undefined)."""
    if len(predicted) != len(actual):
        raise ValueError(f"action_scores: {len(predicted)} predicted episodes but {len(actual)} of expert actions; "
                         "give one prediction per episode, in the episodes' order")
    for i, (p, a) in enumerate(zip(predicted, actual, strict=True)):
        p, a = np.asarray(p), np.asarray(a)
        if p.ndim != 2 or a.ndim != 2 or len(p) != len(a):
            raise ValueError(f"action_scores: episode {i} has predictions of shape {p.shape} but expert actions of "
                             f"shape {a.shape}; each needs (T, 1) accelerations for its T (T, 2) actions, the steps "
                             "in one order (predict gives them per episode)")
    if not sum(max(len(a) - WARM_UP, 0) for a in actual):
        raise ValueError(f"action_scores: none of the {len(actual)} episodes has a step after the {WARM_UP}-step "
                         "warm-up, where the policies are scored; give episodes longer than the warm-up")
    mean = np.asarray(train_mean, dtype=np.float64).reshape(-1)  # scaling.y_mean (1,), or the number itself
    if mean.size != 1 or not np.isfinite(mean[0]):
        raise ValueError(f"action_scores: train_mean must be the training acceleration's mean, one finite number "
                         f"(scaling.y_mean), got {np.asarray(train_mean).tolist()!r}")
    p = np.concatenate([a[WARM_UP:, 0] for a in predicted]).astype(np.float64)
    a = np.concatenate([a[WARM_UP:, 0] for a in actual]).astype(np.float64)
    sse, sst = ((p - a) ** 2).sum(), ((a - mean[0]) ** 2).sum()
    return {"r2_acceleration": float(1 - sse / sst), "rmse_acceleration": float(math.sqrt(sse / len(a)))}


def _check_level(level, who: str) -> None:
    """ValueError unless ``level``, an interval's coverage, is a finite number in (0, 1)."""
    if not (is_finite_number(level) and 0 < level < 1):
        raise ValueError(f"{who}: level is the interval's coverage, a number in (0, 1) (0.95 for 95 %), got "
                         f"{level!r}")


def wilson_interval(k: int, n: int, level: float = 0.95) -> list[float]:
    """Wilson score interval ``[low, high]`` of a binomial proportion ``k / n`` (Wilson 1927): unlike
    ``p ± z sqrt(p(1-p)/n)`` it stays inside [0, 1] and is not empty at ``k = 0``."""
    if not is_integer(k) or not is_integer(n) or n < 1 or not 0 <= k <= n:
        raise ValueError(f"wilson_interval: need integer counts 0 <= k <= n and n >= 1, got k={k!r}, n={n!r}")
    _check_level(level, "wilson_interval")
    z = stats.norm.ppf(0.5 + level / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return [max(0.0, centre - half), min(1.0, centre + half)]


def mean_interval(values, level: float = 0.95) -> dict[str, float | None]:
    """``{"mean", "low", "high"}``: the mean with a Student-t interval (scipy's; None for one value; the mean
    itself for values all equal, which have no spread). Values that are no finite number (text, NaN) are a
    ValueError naming the first."""
    v = np.asarray(values)
    if v.ndim != 1 or not len(v):
        raise ValueError(f"mean_interval: values must be a non-empty 1-D sequence of numbers (the mean of none is "
                         f"undefined), got shape {v.shape}")
    bad = (np.flatnonzero(~np.isfinite(v)) if v.dtype.kind in "biuf" else [0])
    if len(bad):  # text of digits would be read as its numbers, NaN would make every bound NaN
        i = int(bad[0])
        raise ValueError(f"mean_interval: values[{i}] is {v[i].item()!r}, not a finite number ({v.dtype}); give one "
                         "number per episode (leave out episodes without one)")
    _check_level(level, "mean_interval")  # else scipy's "alpha must be between 0 and 1 inclusive"
    v = v.astype(np.float64)
    mean = float(v.mean())
    if len(v) < 2:
        return {"mean": mean, "low": None, "high": None}
    if np.ptp(v) == 0:  # scipy's interval of a zero standard error is NaN
        return {"mean": mean, "low": mean, "high": mean}
    low, high = stats.t.interval(level, len(v) - 1, loc=mean, scale=stats.sem(v))
    return {"mean": mean, "low": float(low), "high": float(high)}


def driving_scores(episodes: list[Episode], duration: int) -> dict[str, Any]:
    """Closed-loop scores of episodes driven after the warm-up: collisions (count, rate, Wilson 95 %
    interval), off-road exits, failures (either: both end the episode), the share of the remaining time driven,
    the mean speed (per-episode means over the steps driven; their mean with a 95 % t interval) and, per
    episode, whether it collided (for paired comparisons). An episode that ended within the warm-up (a crash in
    its first seconds) counts with time driven 0; it has no speed after the warm-up, so the mean speed leaves it
    out (None when every episode did), and its seed is listed under ``"ended_in_warm_up"``, with a warning."""
    n, due = len(episodes), duration * FREQUENCY - WARM_UP
    if not n:
        raise ValueError("driving_scores: no episodes; drive at least one (drive(env, seed, policy, takeover=WARM_UP))")
    if not is_count(duration, 1) or due < 1:
        raise ValueError(f"driving_scores: duration must be an integer number of seconds with steps after the "
                         f"{WARM_UP // FREQUENCY}-s warm-up, as make_env(duration) drove them, got {duration!r}")
    full = [e for e in episodes if not (e.crashed or e.off_road)]  # these ran to the time limit: duration * 5 (+1)
    if full and all(abs(len(e.actions) - duration * FREQUENCY) > 1 for e in full):
        ran = len(full[0].actions) // FREQUENCY
        raise ValueError(f"driving_scores: duration={duration} s, but the episode of seed {full[0].seed}, which "
                         f"neither crashed nor left the road, ran {len(full[0].actions)} steps ({ran} s at "
                         f"{FREQUENCY} Hz), so the time driven would be read against the wrong length; give the "
                         f"duration the episodes were driven with (make_env({ran}))")
    collisions, off_road = sum(e.crashed for e in episodes), sum(e.off_road for e in episodes)
    failures = sum(e.crashed or e.off_road for e in episodes)
    early = [e.seed for e in episodes if len(e.speeds) <= WARM_UP]  # ended before the policy drove a step
    if early:
        warnings.warn(f"driving_scores: episode(s) of seed {', '.join(map(str, early[:10]))}"
                      f"{', ...' if len(early) > 10 else ''} ({len(early)} of {n}) ended within the "
                      f"{WARM_UP // FREQUENCY}-s warm-up: they count with time driven 0 and among the collisions "
                      "and off-road exits, but have no speed after the warm-up, so the mean speed leaves them out "
                      "(listed as 'ended_in_warm_up')", UserWarning, stacklevel=2)
    speeds = [e.speeds[WARM_UP:].mean() for e in episodes if len(e.speeds) > WARM_UP]
    return {"episodes": n, "collisions": collisions, "collision_rate": collisions / n,
            "collision_interval": wilson_interval(collisions, n), "off_road": off_road, "failures": failures,
            "failure_interval": wilson_interval(failures, n),
            "time_driven": float(np.mean([min(max(len(e.actions) - WARM_UP, 0) / due, 1.0) for e in episodes])),
            "mean_speed": mean_interval(speeds) if speeds else None, "ended_in_warm_up": early,
            "collided": [bool(e.crashed) for e in episodes]}


def imitation_errors(applied: list[np.ndarray], episodes: list[Episode], outages: list[np.ndarray | None],
                     k: int) -> dict[str, dict[str, Any]]:
    """Closed-loop imitation error, by what the sensor showed: the acceleration a policy applied
    (``applied (T_i, 1)``, clipped as driven) against the expert's label in the same state, per step after the
    warm-up of its ``episodes``, grouped as ``"seen"`` (this frame seen), ``"gap"`` (out, but one of the last
    ``k`` frames seen) and ``"blind"`` (the last ``k`` frames all out: a ``k``-frame stack holds nothing but
    flags; only a policy with memory still knows the scene). ``outages``: each episode's mask, or None (every
    frame seen). Per group: the steps, and the per-episode RMSE (m/s², over the episodes with such steps) as a
    mean with a 95 % t interval (None without such steps)."""
    if not is_count(k, 1):  # k = 0 read every step out as blind, none as a gap
        raise ValueError(f"imitation_errors: k must be an integer >= 1, the frames in the MLP's stack (s.stack), got "
                         f"{k!r}")
    if not len(applied) == len(episodes) == len(outages):
        raise ValueError(f"imitation_errors: {len(applied)} applied, {len(episodes)} episodes and {len(outages)} "
                         "outage masks; give one of each per episode, in the same order")
    errors: dict[str, list[float]] = {"seen": [], "gap": [], "blind": []}
    steps = dict.fromkeys(errors, 0)
    for i, (a, e, out) in enumerate(zip(applied, episodes, outages, strict=True)):
        T = len(e.actions)
        a = np.asarray(a)
        if a.ndim != 2 or len(a) < T:
            raise ValueError(f"imitation_errors: applied[{i}] has shape {a.shape}, but episode {i} (seed {e.seed}) "
                             f"has {T} steps; give (T, 1) accelerations of the episode it drove, as predict returns "
                             "them (a 1-D array: a[:, None])")
        if out is not None and (np.asarray(out).ndim != 1 or len(out) < T):
            raise ValueError(f"imitation_errors: outages[{i}] has shape {np.shape(out)}, but episode {i} (seed "
                             f"{e.seed}) has {T} steps; give its mask as the Controller read it (outage_mask(seed, "
                             "steps)), or None where every frame was seen")
        run = np.zeros(T, int)  # consecutive frames out, up to and including t
        for t in range(T):
            run[t] = (run[t - 1] + 1 if t else 1) if out is not None and out[t] else 0
        group = np.where(run == 0, "seen", np.where(run < k, "gap", "blind"))[WARM_UP:]
        err = a[WARM_UP:T, 0] - e.actions[WARM_UP:, 0]
        for g in errors:
            chosen = group == g
            if chosen.any():
                errors[g].append(float(np.sqrt(np.mean(err[chosen] ** 2))))
                steps[g] += int(chosen.sum())
    return {g: {"steps": steps[g], "episodes": len(errors[g]),
                "rmse": mean_interval(errors[g]) if errors[g] else None} for g in errors}


def mcnemar(a: list[bool], b: list[bool]) -> dict[str, Any]:
    """Exact McNemar test of two drivers on the same episodes: of the episodes where exactly one of them
    collided, how many were ``a``'s, and the two-sided binomial p-value against an even split. ``a[i]`` and
    ``b[i]``: whether each driver collided in episode ``i`` (True/False), the same episodes in one order (two
    pandas Series of the same episodes in other orders are a ValueError: they are paired by place)."""
    if len(a) != len(b):
        raise ValueError(f"mcnemar: {len(a)} episodes for the first driver but {len(b)} for the second; the test pairs "
                         "them: give both drivers' collisions on the same episodes, in one order")
    check_same_order(a, b, "mcnemar", ("a", "b"), "episode")
    a, b = list(a), list(b)  # a Series' values[i] is the row labelled i
    if not a:  # else p = 1.0, read as two drivers alike
        raise ValueError("mcnemar: no episodes (a and b are empty), so there is nothing to compare; give both "
                         "drivers' collisions on the same episodes")
    for name, values in (("a", a), ("b", b)):
        bad = next((i for i, v in enumerate(values) if not is_flag(v)), None)
        if bad is not None:
            raise ValueError(f"mcnemar: {name}[{bad}] is {values[bad]!r}, not True or False (did the driver collide "
                             "in that episode; driving_scores gives them as 'collided')")
    only_a = sum(x and not y for x, y in zip(a, b, strict=True))
    only_b = sum(y and not x for x, y in zip(a, b, strict=True))
    p = float(stats.binomtest(only_a, only_a + only_b, 0.5).pvalue) if only_a + only_b else 1.0
    return {"only_first": only_a, "only_second": only_b, "p_value": p}


# -- the recipe ----------------------------------------------------------------------------------------------
def run(*, quick: bool = False, seed: int = 0, out: str | os.PathLike | None = None,
        log: Callable[[str], Any] = print) -> dict:
    """Record the expert, train each policy in each variant by DAgger, drive the held-out episodes (module doc).

    Returns ``{"recipe", "task", "data", "settings", "offline", "dagger", "closed_loop", "comparisons", "goals",
    "machine"}``. ``closed_loop`` maps ``"expert"`` and each variant's policies (``closed_loop[variant][policy]``)
    to :func:`driving_scores` on the held-out episodes (each policy's with its :func:`imitation_errors` under
    ``"imitation"``); ``dagger[variant][policy]["rounds"]`` the same scores
    for each round's training episodes, driven by the policy of the round before (round 1: behaviour cloning,
    on episodes it never saw); ``offline[variant][policy]`` the :func:`action_scores` of the behaviour-cloning
    (``"bc"``) and final (``"dagger"``) policy on the held-out expert episodes; ``comparisons[variant]`` the
    :func:`mcnemar` tests of the GRU against the frame-stack MLP and against the expert. One training seed,
    ``seed``: the intervals are over episodes. Raises ValueError for a bad argument.
    """
    out = check_run_arguments("driving", quick, seed, out, log, seed_limit=1000)  # "~/runs" as a shell reads it
    s = QUICK if quick else FULL
    began = time.perf_counter()
    elapsed = lambda: f"{time.perf_counter() - began:.0f} s"
    env = make_env(s.duration)
    steps = s.duration * FREQUENCY + 1  # at most this many frames an episode
    train_seeds, test_seeds = episode_seeds(seed, "train", s.train_episodes), episode_seeds(seed, "test",
                                                                                            s.test_episodes)
    expert_seeds = train_seeds[: s.expert_episodes]
    round_seeds = [train_seeds[s.expert_episodes + r * s.round_episodes:][: s.round_episodes]
                   for r in range(s.rounds)]
    expert, test = [drive(env, k) for k in expert_seeds], [drive(env, k) for k in test_seeds]
    log(f"driving: the expert drove {len(expert)} training and {len(test)} held-out episodes ({elapsed()})")
    scaling = fit_scaling(expert)
    outages = lambda variant, k: outage_mask(k, steps, *OUTAGES[variant]) if variant in OUTAGES else None
    inputs = lambda variant, e: policy_inputs(e.frames, scaling, outages(variant, e.seed))
    test_actions = [e.actions for e in test]

    closed_loop = {"expert": {"name": "expert (IDM + MOBIL)", **driving_scores(test, s.duration)}}
    offline, dagger, comparisons = {}, {}, {}
    for variant in VARIANTS:
        offline[variant], dagger[variant], closed_loop[variant] = {}, {}, {}
        x_test = [inputs(variant, e) for e in test]
        for name in POLICIES:
            data, rounds, fit_seconds = list(expert), [], []

            def fit():
                start = time.perf_counter()
                model = fit_policy(name, [inputs(variant, e) for e in data], [e.actions for e in data], scaling, s,
                                   seed)
                fit_seconds.append(time.perf_counter() - start)
                return model

            model = fit()
            bc = action_scores(predict(model, x_test, scaling), test_actions, scaling.y_mean)
            for r, seeds in enumerate(round_seeds, 1):
                policy = Controller(model, scaling)
                driven = [drive(env, k, policy.reset(outages(variant, k)), takeover=WARM_UP) for k in seeds]
                rounds.append({"round": r, **driving_scores(driven, s.duration)})
                log(f"{variant}, {POLICIES[name]}, DAgger round {r}: the round-{r - 1} policy collided in "
                    f"{rounds[-1]['collisions']} and left the road in {rounds[-1]['off_road']} of {len(seeds)} "
                    f"episodes ({elapsed()})")
                data += driven
                model = fit()
            offline[variant][name] = {"bc": bc, "dagger": action_scores(predict(model, x_test, scaling),
                                                                        test_actions, scaling.y_mean)}
            dagger[variant][name] = {"rounds": rounds, "train_episodes": len(data), "fit_seconds": fit_seconds}
            policy = Controller(model, scaling)
            driven = [drive(env, e.seed, policy.reset(outages(variant, e.seed)), takeover=WARM_UP) for e in test]
            c = closed_loop[variant][name] = {"name": POLICIES[name], **driving_scores(driven, s.duration)}
            applied = [np.clip(a, -ACC_LIMIT, ACC_LIMIT)  # reading whole episodes, as it read them stepping
                       for a in predict(model, [inputs(variant, e) for e in driven], scaling)]
            c["imitation"] = imitation_errors(applied, driven, [outages(variant, e.seed) for e in driven], s.stack)
            log(f"{variant}, {POLICIES[name]}, held out: {c['collisions']} collisions, {c['off_road']} off road "
                f"in {c['episodes']} episodes, mean speed {_speed(c)} m/s ({elapsed()})")
        gru, mlp = closed_loop[variant]["gru"], closed_loop[variant]["mlp_stack"]
        comparisons[variant] = {"gru_vs_mlp_stack": mcnemar(gru["collided"], mlp["collided"]),
                                "gru_vs_expert": mcnemar(gru["collided"], closed_loop["expert"]["collided"])}
    env.close()

    allowed = closed_loop["expert"]["collisions"] + 2 * s.test_episodes / 50  # the goal: <= 2 per 50 more
    goals = {variant: {"gru_within_2_per_50_of_expert": closed_loop[variant]["gru"]["collisions"] <= allowed,
                       "gru_fewer_collisions_than_mlp_stack": closed_loop[variant]["gru"]["collisions"]
                       < closed_loop[variant]["mlp_stack"]["collisions"],
                       "mcnemar_p_below_0.05": comparisons[variant]["gru_vs_mlp_stack"]["p_value"] < 0.05}
             for variant in VARIANTS}
    lengths = [len(e.actions) for e in expert + test]
    held_out_out = {v: float(np.mean([outage_mask(k, steps, *OUTAGES[v]) for k in test_seeds])) for v in OUTAGES}
    results = {
        "recipe": "driving",
        "task": "driving highway-env like its IDM/MOBIL driver from positions only (velocities hidden), by DAgger",
        "data": {"env": ENV_ID, "frequency_hz": FREQUENCY, "episode_seconds": s.duration,
                 "expert_seeds": expert_seeds, "round_seeds": round_seeds, "test_seeds": test_seeds,
                 "steps": [min(lengths), max(lengths)],
                 "expert_collisions": {"train": sum(e.crashed for e in expert), "test": sum(e.crashed for e in test)},
                 "features": feature_names(), "actions": list(ACTIONS), "variants": VARIANTS,
                 "outages": {v: {"start": start, "end": end, "held_out_share_out": held_out_out[v]}
                             for v, (start, end) in OUTAGES.items()}},
        "settings": {"quick": quick, **asdict(s), "seed": seed, "optimizer": "AdamW", "clip_grad_norm": 1.0,
                     "loss": "per-step MSE of the standardised actions after the warm-up",
                     "action_mean": scaling.y_mean.tolist(), "action_std": scaling.y_scale.tolist(),
                     "seconds": time.perf_counter() - began},
        "offline": offline,
        "dagger": dagger,
        "closed_loop": closed_loop,
        "comparisons": comparisons,
        "goals": goals,
        "machine": machine("cpu"),
    }
    if out is not None:
        write_report(out, title=title(results), results=results, markdown=markdown(results),
                     figures={"closed_loop": figure(results)}, machine_info=results["machine"])
    return results


# -- report --------------------------------------------------------------------------------------------------
def title(results: dict) -> str:
    return ("Self-driving control: driving highway-env like its IDM/MOBIL driver from positions, by DAgger"
            + (" (quick run)" if results["settings"]["quick"] else ""))


def _count(c: dict, what: str = "collision") -> str:
    low, high = c[f"{what}_interval"]
    k = c["collisions" if what == "collision" else "failures"]
    return f"{k}/{c['episodes']} [{low:.2f}, {high:.2f}]"


def _interval(m: dict, spec: str) -> str:
    return f"{m['mean']:{spec}}" if m["low"] is None else f"{m['mean']:{spec}} [{m['low']:{spec}}, {m['high']:{spec}}]"


def _speed(c: dict) -> str:
    return "none (every episode ended within the warm-up)" if c["mean_speed"] is None else \
        _interval(c["mean_speed"], ".1f")


def markdown(results: dict) -> str:
    """The report's body: the closed-loop table, the DAgger rounds, the paired comparisons, the offline scores,
    the settings (:func:`rnnkit.report.write_report` adds the title and the machine)."""
    s, d, cl = results["settings"], results["data"], results["closed_loop"]
    n = s["test_episodes"]
    lines = [
        f"{d['env']} at {d['frequency_hz']} Hz, {d['episode_seconds']} s episodes (the expert drives the first 5 s). "
        f"Policies see positions only ({len(d['features'])} numbers a frame). Training: {s['expert_episodes']} "
        f"expert episodes, then {s['rounds']} DAgger rounds of {s['round_episodes']} episodes each policy drives "
        f"and the expert labels; {s['max_epochs']} epochs a fit, batch {s['batch_size']} episodes, AdamW lr "
        f"{s['lr']}, GRU H={s['hidden_size']}, MLP width {s['mlp_width']} on k={s['stack']} frames; training "
        f"seed {s['seed']}. Outages: "
        + "; ".join(f"`{v}`, the sensor fails with probability {o['start']:.4g} a step and recovers with "
                    f"{o['end']:.4g} ({o['held_out_share_out']:.2f} of the held-out frames out)"
                    for v, o in d["outages"].items())
        + "." + (" Quick run." if s["quick"] else ""),
        "",
        f"## Closed loop, {n} held-out episodes",
        "",
        "Counts with Wilson 95 % intervals of the rate; mean speed with a 95 % t interval over episodes.",
        "",
        "| variant | driver | collisions | collisions or off road | off road | time driven | mean speed (m/s) |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = [("—", cl["expert"])] + [(v, cl[v][p]) for v in VARIANTS for p in POLICIES]
    for variant, c in rows:
        lines.append(f"| {variant} | {c['name']} | {_count(c)} | {_count(c, 'failure')} | {c['off_road']} | "
                     f"{c['time_driven']:.2f} | {_speed(c)} |")
    lines += ["", "## DAgger rounds", "",
              "Collisions (off road) of the episodes each round's policy drove: round 1 is the behaviour-cloning "
              "policy, on training episodes it never saw; the last column is the final policy on the held-out ones.",
              "", "| variant | policy | " + " | ".join(f"round {r}" for r in range(1, s["rounds"] + 1))
              + " | final, held out |", "|---|---|" + "---|" * (s["rounds"] + 1)]
    for v in VARIANTS:
        for p in POLICIES:
            cells = [f"{r['collisions']}/{r['episodes']} ({r['off_road']})" for r in results["dagger"][v][p]["rounds"]]
            c = cl[v][p]
            lines.append(f"| {v} | {POLICIES[p]} | " + " | ".join(cells)
                         + f" | {c['collisions']}/{c['episodes']} ({c['off_road']}) |")
    lines += ["", "## Paired on the held-out episodes (exact McNemar)", "",
              "| variant | GRU collided, other did not | other collided, GRU did not | p |", "|---|---|---|---|"]
    for v in VARIANTS:
        for other, test in (("MLP on k frames", "gru_vs_mlp_stack"), ("expert", "gru_vs_expert")):
            m = results["comparisons"][v][test]
            lines.append(f"| {v}: GRU vs {other} | {m['only_first']} | {m['only_second']} | {m['p_value']:.3g} |")
    lines += ["", "## Closed-loop imitation error, by what the sensor showed", "",
              "The acceleration each policy applied against the expert's label in the same state (m/s²), per "
              "held-out step after the warm-up: per-episode RMSE, mean with a 95 % t interval over the episodes "
              f"with such steps, and the steps. *Blind*: the last {s['stack']} frames all out, the MLP's window "
              "holds only flags.", "",
              "| variant | policy | frame seen | out, a frame in the window | blind |", "|---|---|---|---|---|"]
    for v in VARIANTS:
        for p in POLICIES:
            cells = []
            for g in ("seen", "gap", "blind"):
                e = cl[v][p]["imitation"][g]
                cells.append("—" if e["rmse"] is None else
                             f"{_interval(e['rmse'], '.2f')} ({e['steps']} steps, {e['episodes']} episodes)")
            lines.append(f"| {v} | {POLICIES[p]} | " + " | ".join(cells) + " |")
    lines += ["", "## Offline, held-out expert episodes", "",
              "| variant | policy | R² acceleration, BC → DAgger | RMSE (m/s²), BC → DAgger |", "|---|---|---|---|"]
    for v in VARIANTS:
        for p in POLICIES:
            o = results["offline"][v][p]
            lines.append(f"| {v} | {POLICIES[p]} | {o['bc']['r2_acceleration']:.3f} → "
                         f"{o['dagger']['r2_acceleration']:.3f} | {o['bc']['rmse_acceleration']:.3f} → "
                         f"{o['dagger']['rmse_acceleration']:.3f} |")
    lines += ["", f"Whole run: {s['seconds']:.0f} s."]
    return "\n".join(lines) + "\n"


def figure(results: dict) -> Figure:
    """Collision rates with their Wilson 95 % intervals: each round's policy during DAgger, and the held-out
    closed loop beside the expert."""
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    rounds_ax, held_ax = fig.subplots(1, 2)
    cl, labels, rates, errors = results["closed_loop"], [], [], []
    for v in VARIANTS:
        for p in POLICIES:
            rounds = results["dagger"][v][p]["rounds"] + [cl[v][p]]
            x = np.arange(1, len(rounds) + 1)
            rate = np.array([r["collision_rate"] for r in rounds])
            low, high = np.array([r["collision_interval"] for r in rounds]).T
            rounds_ax.errorbar(x, rate, yerr=[rate - low, high - rate], marker="o", capsize=3,
                               linestyle="-" if p == "gru" else "--", label=f"{v}: {POLICIES[p]}")
    rounds_ax.set(xlabel="round (last: final policy, held out)", ylabel="collision rate",
                  title="DAgger: the policy of each round driving")
    rounds_ax.legend(fontsize=7)
    for name, c in [("expert", cl["expert"])] + [(f"{v}\n{p}", cl[v][p]) for v in VARIANTS for p in POLICIES]:
        labels.append(name)
        rates.append(c["collision_rate"])
        low, high = c["collision_interval"]
        errors.append([c["collision_rate"] - low, high - c["collision_rate"]])
    held_ax.bar(range(len(labels)), rates, yerr=np.array(errors).T, capsize=4, color="0.6")
    held_ax.set_xticks(range(len(labels)), labels, fontsize=7)
    held_ax.set(ylabel="collision rate", title=f"held out, {cl['expert']['episodes']} episodes (95 % Wilson)")
    return fig

"""The C++ loops' matrix products (:data:`rnnkit.kernels.cpu_gru.GEMM`): oneDNN's micro-kernel over tiles for float,
ATen's matmul for double, against torch's; the input projection :class:`rnnkit.kernels.cpu_gru.Linear` (values and
gradients against ``torch.nn.functional.linear``); and whole layers in float32, at sizes whose products span
several tiles and blocks of K, against the float64 reference loop."""

import pytest
import torch
import torch.nn.functional as F

import rnnkit
from rnnkit.kernels import cpu_gru, cpu_loop


@pytest.fixture(scope="module", autouse=True)
def extensions():
    for build in (cpu_gru.build, cpu_loop.build):
        ok, reason = build()
        assert ok, reason


OPS = {"cpu_gru": lambda: torch.ops.rnnkit_cpu_gru.matmul, "cpu_loop": lambda: torch.ops.rnnkit_cpu_loop.matmul}

# (M, K, N): one tile; edges of tiles (64) and of K's blocks (512) crossed, not multiples of either; a long K
SHAPES = [(16, 128, 512), (1, 7, 3), (65, 513, 129), (130, 1100, 70), (3, 3200, 64), (200, 32, 384)]


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("M,K,N", SHAPES)
def test_matmul_equals_torch_in_float32_and_float64(op, M, K, N):
    matmul = OPS[op]()
    g = torch.Generator().manual_seed(M * 7919 + K * 31 + N)
    for dtype, tol in ((torch.float32, 2e-5), (torch.float64, 1e-12)):
        a = torch.randn(M, K, generator=g, dtype=dtype)
        b = torch.randn(K, N, generator=g, dtype=dtype)
        bias = torch.randn(N, generator=g, dtype=dtype)
        scale = (a.abs() @ b.abs()).max()  # the size of the sums' terms, for a relative tolerance
        for bb in (None, bias):
            got = matmul(a, b, bb)
            want = (a.double() @ b.double() + (0 if bb is None else bb.double())).to(dtype)
            assert got.shape == (M, N) and got.dtype == dtype
            assert (got - want).abs().max() <= tol * scale, (dtype, bb is None)


@pytest.mark.parametrize("op", sorted(OPS))
def test_matmul_reads_transposed_and_strided_operands_and_empty_sizes(op):
    matmul = OPS[op]()
    a = torch.randn(100, 70)
    b = torch.randn(90, 100)
    torch.testing.assert_close(matmul(a.t(), b.t(), None), a.t() @ b.t(), atol=1e-4, rtol=1e-5)
    torch.testing.assert_close(matmul(a[::2], b[:70, ::3], None), a[::2] @ b[:70, ::3], atol=1e-4, rtol=1e-5)
    assert matmul(torch.randn(0, 5), torch.randn(5, 3), None).shape == (0, 3)
    assert torch.equal(matmul(torch.randn(4, 0), torch.randn(0, 3), torch.ones(3)), torch.ones(4, 3))
    with pytest.raises(RuntimeError, match=r"\(M, K\) @ \(K, N\)"):
        matmul(torch.randn(4, 5), torch.randn(4, 5), None)


def test_matmul_results_from_kept_buffers_are_reused_only_once_free():
    """A result comes from a buffer the pool keeps: handed out again once free, never while held."""
    a, b = torch.randn(1100, 70), torch.randn(70, 600)  # 2.6 MB
    for _ in range(3):  # kept, reused and handed out again
        torch.testing.assert_close(torch.ops.rnnkit_cpu_loop.matmul(a, b, None), a @ b, atol=1e-4, rtol=1e-5)
    held = torch.ops.rnnkit_cpu_loop.matmul(a, b, None)
    other = torch.ops.rnnkit_cpu_loop.matmul(2 * a, b, None)  # while one is held, another buffer
    torch.testing.assert_close(held, a @ b, atol=1e-4, rtol=1e-5)
    torch.testing.assert_close(other, 2 * a @ b, atol=2e-4, rtol=1e-5)


def test_matmul_gives_the_same_numbers_at_one_and_two_threads():
    """Each tile of the product is one thread's, summed over K in one order: the thread count changes nothing."""
    a, b = torch.randn(300, 1500), torch.randn(1500, 260)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = torch.ops.rnnkit_cpu_loop.matmul(a, b, None)
        torch.set_num_threads(2)
        two = torch.ops.rnnkit_cpu_loop.matmul(a, b, None)
    finally:
        torch.set_num_threads(before)
    assert torch.equal(one, two)


@pytest.mark.parametrize("bias", [False, True])
def test_linear_equals_torch_linear_values_and_gradients(bias):
    g = torch.Generator().manual_seed(3)
    x1 = torch.randn(5, 90, 33, generator=g, requires_grad=True)
    w1 = torch.randn(200, 33, generator=g, requires_grad=True)
    b1 = torch.randn(200, generator=g, requires_grad=True) if bias else None
    x2, w2 = x1.detach().clone().requires_grad_(), w1.detach().clone().requires_grad_()
    b2 = b1.detach().clone().requires_grad_() if bias else None
    y1 = cpu_gru.Linear.apply(x1, w1, b1, torch.ops.rnnkit_cpu_gru.matmul)
    y2 = F.linear(x2, w2, b2)
    torch.testing.assert_close(y1, y2, atol=1e-4, rtol=1e-5)
    dy = torch.randn(y1.shape, generator=g)
    (y1 * dy).sum().backward()
    (y2 * dy).sum().backward()
    torch.testing.assert_close(x1.grad, x2.grad, atol=1e-4, rtol=1e-5)
    torch.testing.assert_close(w1.grad, w2.grad, atol=1e-3, rtol=1e-5)
    if bias:
        torch.testing.assert_close(b1.grad, b2.grad, atol=1e-3, rtol=1e-5)


LAYERS = {  # 21 inputs: TimeAware reads [x, m, delta] of 7 features
    "GRU": lambda: rnnkit.GRU(21, 70),
    "LSTM zoneout": lambda: rnnkit.LSTM(21, 70, zoneout=0.1),
    "LayerNormLSTM": lambda: rnnkit.Stacked([rnnkit.Recurrent(rnnkit.cells.LayerNormLSTMCell(21, 70))]),
    "Elman": lambda: rnnkit.Stacked([rnnkit.Recurrent(rnnkit.cells.ElmanCell(21, 70))], backend="cpu_loop"),
    "TimeAware(LSTM)": lambda: rnnkit.Stacked([rnnkit.Recurrent(
        rnnkit.cells.TimeAware(rnnkit.cells.LSTMCell(14, 70)))]),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_float32_layers_on_the_new_products_close_to_the_float64_reference(name):
    """B = 70 rows (two row tiles), G >= 210 (several column tiles), T * B = 700 (two blocks of K in the
    recurrent weight's gradient): every product of the loops at its tile edges, forward and backward."""
    torch.manual_seed(0)
    layer = LAYERS[name]().eval()
    ref = LAYERS[name]().eval().double()
    ref.load_state_dict({k: v.double() for k, v in layer.state_dict().items()})
    ref.backend = "reference"
    x = torch.randn(70, 10, 21)
    x[..., 7:14] = (x[..., 7:14] > 0).float()  # TimeAware's mask and time gaps; other cells read them as features
    x[..., 14:] = x[..., 14:].abs()
    lengths = torch.randint(1, 11, (70,))
    x1 = x.clone().requires_grad_()
    x2 = x.double().requires_grad_()
    out1, _ = layer(x1, lengths)
    out2, _ = ref(x2, lengths)
    assert layer.last_backend in ("cpu_gru", "cpu_loop")
    torch.testing.assert_close(out1.double(), out2, atol=2e-5, rtol=1e-4)
    w = torch.randn(out1.shape, dtype=torch.float64)
    (out1.double() * w).sum().backward()
    (out2 * w).sum().backward()
    torch.testing.assert_close(x1.grad.double(), x2.grad, atol=1e-4, rtol=1e-3)
    for (k, p1), p2 in zip(layer.named_parameters(), ref.parameters(), strict=True):
        scale = p2.grad.abs().max().item() + 1.0
        assert (p1.grad.double() - p2.grad).abs().max().item() <= 1e-4 * scale, k


def test_a_fit_releases_the_buffers_the_loops_keep_between_steps():
    """Kept from step to step (no fresh pages each step), the loops' buffers are released when a fit ends."""
    layer = rnnkit.GRU(4, 64)  # the C++ GRU loop
    layer(torch.randn(8, 50, 4))[0].sum().backward()
    assert layer.last_backend == "cpu_gru" and cpu_loop.kept_bytes() > 0
    g = torch.Generator().manual_seed(0)
    X, y = torch.randn(16, 20, 4, generator=g).numpy(), torch.randn(16, generator=g).numpy()
    rnnkit.SequenceRegressor(hidden_size=8, max_epochs=1, random_state=0).fit(X, y)
    assert cpu_loop.kept_bytes() == 0

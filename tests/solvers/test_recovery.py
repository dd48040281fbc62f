"""The recovery (w) step against the exact contraction / Ornstein–Uhlenbeck solution in w."""
import numpy as np
import pytest
from scipy.linalg import expm
from scipy.special import ndtr

from fokker import Grid
from solvers.recovery import affine_remap, neumann_heat, recovery_characteristics, recovery_step

A, B, C = 0.7, 0.8, 0.5
X_ROWS = np.linspace(-1.0, 1.0, 5)          # w* = (x + a)/b from −0.375 to 2.125


def exact_rows(grid: Grid, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    return np.array([grid.gaussian(m, np.sqrt(v)) for m, v in zip(mean, var)])


def ou_law(m0: float, s0: float, x: np.ndarray, t: float, diffusion: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance at t of dw = c (x + a − b w) dt + √(2D) dB from N(m0, s0²)."""
    theta = np.exp(-C * B * t)
    w_star = (x + A) / B
    mean = w_star + (m0 - w_star) * theta
    var = theta**2 * s0**2 + diffusion * (1.0 - theta**2) / (C * B) + 0.0 * x
    return mean, var


def run(nw: int, steps: int, t: float, diffusion: float, lower=-3.5, upper=4.5, m0=0.3, s0=0.4, b=B):
    grid = Grid(lower, upper, nw)
    p = np.tile(grid.gaussian(m0, s0), (X_ROWS.size, 1))
    for _ in range(steps):
        p = recovery_step(p, X_ROWS, lower, upper, A, b, C, t / steps, diffusion).density
    return grid, p


def l1_errors(diffusion: float, steps: int, sizes=(100, 200, 400, 800)) -> np.ndarray:
    errors = []
    for nw in sizes:
        grid, p = run(nw, steps, 1.0, diffusion)
        mean, var = ou_law(0.3, 0.4, X_ROWS, 1.0, diffusion)
        errors.append(np.max(grid.integrate(np.abs(p - exact_rows(grid, mean, var)))))
    return np.array(errors)


def observed_order(errors: np.ndarray) -> float:
    """Order over the whole refinement (h_w halved each level): a single remap's error constant
    depends on where the images fall relative to the cells, so level-to-level ratios scatter."""
    return float(np.log2(errors[0] / errors[-1]) / (errors.size - 1))


@pytest.mark.parametrize("steps", [1, 100])
def test_contraction_is_second_order_in_w(steps):
    errors = l1_errors(0.0, steps)
    assert observed_order(errors) > 1.9, errors
    assert errors[-1] < (1e-5 if steps == 1 else 1.5e-4)


@pytest.mark.parametrize("steps", [1, 10])
def test_ou_step_is_second_order_in_w(steps):
    errors = l1_errors(0.02, steps)
    assert observed_order(errors) > 1.9 and np.all(errors[:-1] / errors[1:] > 3.0), errors


def test_ou_step_has_no_time_error():
    """Transport then exact discrete smoothing is the exact OU law: one step of h = 1 is as good as 8."""
    errors = []
    for steps in (1, 2, 4, 8):
        grid, p = run(400, steps, 1.0, 0.02)
        mean, var = ou_law(0.3, 0.4, X_ROWS, 1.0, 0.02)
        errors.append(np.max(grid.integrate(np.abs(p - exact_rows(grid, mean, var)))))
    assert max(errors) < 2e-4, errors             # the spatial error only (h_w = 0.02)


def test_translation_b0_matches_shifted_gaussian():
    """b = 0: w ↦ w + c (x + a) h exactly, second order in w."""
    errors = []
    x = np.array([-0.7, 0.0, 0.5])
    for nw in (100, 200, 400, 800):
        grid = Grid(-2.0, 4.0, nw)
        p = np.tile(grid.gaussian(0.0, 0.3), (3, 1))
        for _ in range(7):
            p = recovery_step(p, x, -2.0, 4.0, A, 0.0, C, 0.25).density
        exact = exact_rows(grid, C * (x + A) * 1.75, np.full(3, 0.09))
        errors.append(np.max(grid.integrate(np.abs(p - exact))))
    assert observed_order(np.array(errors)) > 1.9, errors


@pytest.mark.parametrize("rate", [1e-8, 0.3, 5.0, 50.0, 1e3])
def test_mass_positivity_and_exact_first_moment_on_rough_data(rate):
    """Any p ≥ 0: row masses to 1e-14, p ≥ 0, Σ w p h ↦ w* M0 + (M1 − w* M0) θ to round-off."""
    rng = np.random.default_rng(3)
    grid = Grid(-1.0, 2.0, 30)
    p = rng.random((3, 7, 30)) ** 4
    x = np.linspace(-1.3, 0.8, 7)             # w* inside the centre range [−0.95, 1.95]
    h = rate / (C * B)
    step = recovery_step(p, x, -1.0, 2.0, A, B, C, h)
    mass0, moment0 = grid.integrate(p), grid.integrate(p * grid.centers)
    w_star, theta = (x + A) / B, np.exp(-rate)
    assert np.max(np.abs(grid.integrate(step.density) / mass0 - 1.0)) < 1e-14
    assert step.density.min() >= 0.0
    exact_moment = w_star * mass0 + (moment0 - w_star * mass0) * theta
    assert np.max(np.abs(grid.integrate(step.density * grid.centers) - exact_moment)) < 1e-14
    assert np.all(step.clipped_mass == 0.0) and np.all(step.moment_defect == 0.0)
    smooth = recovery_step(p, x, -1.0, 2.0, A, B, C, h, diffusion_w=0.05).density
    assert np.max(np.abs(grid.integrate(smooth) / mass0 - 1.0)) < 1e-14 and smooth.min() >= 0.0


def test_first_moment_exact_with_diffusion_away_from_walls():
    grid = Grid(-3.5, 4.5, 200)
    p = np.tile(grid.gaussian(0.3, 0.4), (5, 1))
    mass0, moment0 = grid.integrate(p), grid.integrate(p * grid.centers)
    w_star, theta = (X_ROWS + A) / B, np.exp(-C * B * 0.7)
    new = recovery_step(p, X_ROWS, -3.5, 4.5, A, B, C, 0.7, diffusion_w=0.02).density
    exact_moment = w_star * mass0 + (moment0 - w_star * mass0) * theta
    assert np.max(np.abs(grid.integrate(new * grid.centers) - exact_moment)) < 1e-13


@pytest.mark.parametrize("rate", [60.0, 1e4])
def test_stiff_contraction_collapses_onto_w_star(rate):
    """θ → 0 (θ = 0 in floating point at 1e4): the mass sits on the two cells around w*, mean = w*."""
    grid = Grid(0.0, 1.0, 20)
    p = grid.gaussian(0.5, 0.2)[None, :].repeat(2, axis=0)
    w_star = np.array([0.4132, 0.7771])
    x = w_star * B - A
    step = recovery_step(p, x, 0.0, 1.0, A, B, C, rate / (C * B))
    for row, ws in zip(step.density, w_star):
        j = int(np.floor(ws / grid.width - 0.5))
        weight = ws / grid.width - 0.5 - j
        expected = np.zeros(20)
        expected[j], expected[j + 1] = (1 - weight) / grid.width, weight / grid.width
        np.testing.assert_allclose(row, expected, atol=1e-12)
    assert step.density.min() >= 0.0


def test_stiff_ou_step_lands_on_the_stationary_law():
    """c b h = 1e3 with D_w > 0: one step from any data gives N(w*, D/(c b)) (to the spatial error)."""
    errors = []
    for nw in (200, 400):
        grid = Grid(-3.0, 5.0, nw)
        p = np.tile(grid.gaussian(-1.0, 0.3), (5, 1))
        step = recovery_step(p, X_ROWS, -3.0, 5.0, A, B, C, 1e3 / (C * B), diffusion_w=0.05)
        exact = exact_rows(grid, (X_ROWS + A) / B, np.full(5, 0.05 / (C * B)))
        errors.append(np.max(grid.integrate(np.abs(step.density - exact))))
    assert errors[1] < 1e-3 and errors[0] / errors[1] > 3.5, errors


@pytest.mark.parametrize("h, tol", [(0.05, 3e-4), (0.5, 1.6e-3)])
def test_long_run_reaches_the_truncated_stationary_law(h, tol):
    """Walls at −3 and +4.5 stationary stds (wall density 1.3e-2): after t = 40 the density is the
    discrete truncated Gaussian N(w*, D/(c b)) up to the wall-splitting error, which is O(h)."""
    std = np.sqrt(0.05 / (C * B))
    lower, upper = -3.0 * std, 4.5 * std
    grid = Grid(lower, upper, 400)
    p = grid.gaussian(0.0, 0.2)[None, :]
    for _ in range(int(round(40 / h))):
        p = recovery_step(p, np.array([-A]), lower, upper, A, B, C, h, diffusion_w=0.05).density
    gibbs = np.exp(-0.5 * (grid.centers / std) ** 2)
    assert grid.integrate(np.abs(p[0] - gibbs / grid.integrate(gibbs))) < tol


def test_mean_beyond_last_centre_is_reported():
    grid = Grid(0.0, 1.0, 10)
    p = grid.gaussian(0.5, 0.2)[None, :]
    w_star = 0.98                           # beyond the last centre 0.95
    step = recovery_step(p, np.array([w_star * B - A]), 0.0, 1.0, A, B, C, 1e3)
    assert step.density[0, -1] == pytest.approx(1.0 / grid.width, rel=1e-14)
    assert step.moment_defect[0] == pytest.approx(0.95 - 0.98, rel=1e-12)
    assert step.clipped_mass[0] == 0.0


def test_mass_carried_through_a_wall_is_kept_and_reported():
    """b = 0 translation by 0.25 towards w = 2: the Gaussian tail beyond the wall is reported."""
    for nw, tol in ((200, 1e-4), (400, 2.5e-5)):
        grid = Grid(-1.0, 2.0, nw)
        p = grid.gaussian(1.5, 0.2)[None, :]
        step = recovery_step(p, np.array([0.3]), -1.0, 2.0, A, 0.0, C, 0.5)
        inside = ndtr((2.0 - 1.5) / 0.2) - ndtr((-1.0 - 1.5) / 0.2)
        exact_clipped = (ndtr((2.0 - 1.5) / 0.2) - ndtr((1.75 - 1.5) / 0.2)) / inside   # w0 in [1.75, 2]
        assert abs(step.clipped_mass[0] - exact_clipped) < tol
        assert grid.integrate(step.density)[0] == pytest.approx(1.0, abs=1e-14)
        assert step.density.min() >= 0.0


def test_per_population_parameters_broadcast():
    grid = Grid(-2.0, 3.0, 50)
    rng = np.random.default_rng(5)
    p = rng.random((2, 4, 50))
    x = np.linspace(-1.0, 1.0, 4)
    b, c, d = np.array([0.8, 0.0]), np.array([0.08, 0.3]), np.array([0.0, 0.01])
    joint = recovery_step(p, x, -2.0, 3.0, [0.7, 0.5], b, c, 0.4, diffusion_w=d)
    for i, a in enumerate((0.7, 0.5)):
        alone = recovery_step(p[i], x, -2.0, 3.0, a, b[i], c[i], 0.4, diffusion_w=d[i])
        np.testing.assert_allclose(joint.density[i], alone.density, rtol=1e-13, atol=1e-15)
    rows = recovery_step(p, np.stack([x, x + 0.1]), -2.0, 3.0, 0.7, 0.8, 0.08, 0.4)
    np.testing.assert_allclose(rows.density[1], recovery_step(p[1], x + 0.1, -2.0, 3.0, 0.7, 0.8, 0.08, 0.4).density,
                               rtol=1e-13, atol=1e-15)


def test_characteristics_are_exact_and_continuous_in_b():
    theta, shift = recovery_characteristics(0.2, A, np.array([0.8, 1e-12, 0.0]), C, 2.0)
    w_star = (0.2 + A) / 0.8
    assert theta[0] * 1.3 + shift[0] == pytest.approx(w_star + (1.3 - w_star) * np.exp(-0.8), rel=1e-15)
    np.testing.assert_allclose(shift[1:], C * (0.2 + A) * 2.0, rtol=1e-11)
    assert theta[2] == 1.0


def test_neumann_heat_is_the_exact_semigroup():
    n, width, t = 12, 0.1, 0.003
    lap = (np.diag(np.full(n - 1, 1.0), -1) + np.diag(np.full(n - 1, 1.0), 1) - 2.0 * np.eye(n))
    lap[0, 0] = lap[-1, -1] = -1.0
    rng = np.random.default_rng(6)
    p = rng.random((3, n))
    exact = p @ expm(t * lap / width**2).T
    np.testing.assert_allclose(neumann_heat(p, np.full(3, t), width), exact, rtol=1e-13, atol=1e-15)


def test_affine_remap_identity():
    rng = np.random.default_rng(7)
    p = rng.random((2, 9))
    out, clipped, defect = affine_remap(p, np.ones(2), np.zeros(2), -1.0, 0.25)
    np.testing.assert_allclose(out, p, rtol=1e-14, atol=1e-15)
    assert np.all(clipped == 0.0) and np.all(np.abs(defect) < 1e-15)


@pytest.mark.parametrize("change, match", [
    (dict(p=-np.ones((2, 5))), "p must be >= 0"),
    (dict(p=np.full((2, 5), np.nan)), "p must be finite"),
    (dict(p=np.ones(5)), "shape"),
    (dict(p=np.ones((2, 2))), "nw >= 3"),
    (dict(x=np.zeros(3)), "x must be broadcastable"),
    (dict(w_upper=-1.0), "w_upper must be > w_lower"),
    (dict(b=-0.1), "b must be >= 0"),
    (dict(c=-1.0), "c must be >= 0"),
    (dict(h=0.0), "h must be > 0"),
    (dict(diffusion_w=-1e-3), "diffusion_w must be >= 0"),
    (dict(a=[0.1, 0.2]), "a must be a number or broadcastable"),
])
def test_bad_inputs_are_refused(change, match):
    args = dict(p=np.ones((2, 5)), x=np.zeros(2), w_lower=0.0, w_upper=1.0, a=0.7, b=0.8, c=0.08, h=0.1,
                diffusion_w=0.0)
    args.update(change)
    with pytest.raises(ValueError, match=match):
        recovery_step(**args)

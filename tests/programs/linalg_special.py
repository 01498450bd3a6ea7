"""A Gaussian process regression's negative log marginal likelihood as GPyTorch-style code
writes it by hand: an RBF kernel with learnable log-lengthscale, log-outputscale and
log-noise, ``torch.linalg.cholesky``, ``torch.cholesky_solve`` (and the same solve by two
``torch.linalg.solve_triangular`` calls), ``logdet``; its gradient drives a few Adam steps,
then the predictive mean and variance. Then a Beta log-likelihood written with
``torch.lgamma`` whose gradient (``digamma`` by autograd) is checked against the closed form
with ``torch.special.digamma``, and fitted with Rprop; the hyperparameters fitted again by
L-BFGS with a strong-Wolfe line search; window functions smoothing a series; special
functions (xlogy, entr, log_ndtr, erfcx...) and prod/atan2/hypot inside differentiated
losses."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def pattern(shape, phase, scale=1.0):
    n = math.prod(shape)
    return torch.tensor([scale * math.sin(1.3 * i + phase) for i in range(n)]).reshape(shape)


class ExactGP(nn.Module):
    def __init__(self):
        super().__init__()
        self.log_lengthscale = nn.Parameter(torch.tensor(0.0))
        self.log_outputscale = nn.Parameter(torch.tensor(0.0))
        self.log_noise = nn.Parameter(torch.tensor(-1.0))

    def kernel(self, a, b):
        d2 = torch.cdist(a, b).pow(2)
        return self.log_outputscale.exp() * torch.exp(-0.5 * d2 / self.log_lengthscale.exp() ** 2)

    def nll(self, x, y):
        n = x.shape[0]
        K = self.kernel(x, x) + self.log_noise.exp() * torch.eye(n)
        L = torch.linalg.cholesky(K)
        alpha = torch.cholesky_solve(y.unsqueeze(-1), L)
        data_fit = 0.5 * (y.unsqueeze(-1) * alpha).sum()
        complexity = L.diagonal().log().sum()
        return data_fit + complexity + 0.5 * n * math.log(2 * math.pi), K, L

    def predict(self, x, y, x_star):
        K = self.kernel(x, x) + self.log_noise.exp() * torch.eye(x.shape[0])
        L = torch.linalg.cholesky(K)
        k_star = self.kernel(x, x_star)
        v = torch.linalg.solve_triangular(L, k_star, upper=False)
        w = torch.linalg.solve_triangular(L, y.unsqueeze(-1), upper=False)
        mean = (v * w).sum(0)
        var = self.log_outputscale.exp() - (v * v).sum(0)
        return mean, var


x = pattern((12, 1), 0.2, 3.0)
y = torch.sin(2 * x[:, 0]) + 0.1 * pattern((12,), 4.0)
gp = ExactGP()
loss, K, L = gp.nll(x, y)
print("nll", loss.item(), "logdet", torch.logdet(K).item(), 2 * L.diagonal().log().sum().item())
sign, logabsdet = torch.linalg.slogdet(K)
print("slogdet", sign.item(), logabsdet.item())
alpha = torch.cholesky_solve(y.unsqueeze(-1), L)
z = torch.linalg.solve_triangular(L, y.unsqueeze(-1), upper=False)
alpha2 = torch.linalg.solve_triangular(L.mT, z, upper=True)
print("solves agree", torch.allclose(alpha, alpha2), torch.allclose(K @ alpha, y.unsqueeze(-1)),
      torch.allclose(alpha, torch.linalg.solve(K, y).unsqueeze(-1)))
loss.backward()
print("grads", [p.grad.item() for p in gp.parameters()])

optimizer = torch.optim.Adam(gp.parameters(), lr=0.1)
for i in range(6):
    optimizer.zero_grad()
    loss, _, _ = gp.nll(x, y)
    loss.backward()
    optimizer.step()
    print("iter", i, "nll", loss.item(), "lengthscale", gp.log_lengthscale.exp().item(),
          "noise", gp.log_noise.exp().item())
with torch.no_grad():
    x_star = torch.linspace(-3, 3, 5).unsqueeze(-1)
    mean, var = gp.predict(x, y, x_star)
print("mean", mean.tolist())
print("var", var.tolist())
# hyperparameters are often fitted with L-BFGS and a strong-Wolfe line search
lbfgs = torch.optim.LBFGS(gp.parameters(), lr=1, max_iter=15, line_search_fn="strong_wolfe")


def closure():
    lbfgs.zero_grad()
    loss, _, _ = gp.nll(x, y)
    loss.backward()
    return loss


first = lbfgs.step(closure)
state = lbfgs.state[lbfgs.param_groups[0]["params"][0]]
# the line search's cubic extrapolation between two close points turns round-off into
# ~1e-7 (PyTorch against itself with x scaled by 1 + 2e-16 does the same): 6 digits
print("lbfgs", first.item(), round(closure().item(), 6), "evals", state["func_evals"],
      "iters", state["n_iter"], [round(p.item(), 6) for p in gp.parameters()])
# the NLL through logdet and a plain inverse, differentiated twice in lengthscale
ls = torch.tensor(0.7, requires_grad=True)
K = torch.exp(-0.5 * torch.cdist(x, x).pow(2) / ls**2) + 0.1 * torch.eye(12)
nll = 0.5 * (y @ torch.linalg.inv(K) @ y) + 0.5 * torch.logdet(K)
(g,) = torch.autograd.grad(nll, ls, create_graph=True)
(h,) = torch.autograd.grad(g, ls)
print("d nll", g.item(), "d2 nll", h.item())
eigvals = torch.linalg.eigvalsh(K)
print("eigvalsh", eigvals[:3].tolist(), "cond", torch.linalg.cond(K).item())


# Beta(a, b) fitted to data by maximum likelihood: lgamma's gradient is digamma
def beta_log_likelihood(log_a, log_b, data):
    a, b = log_a.exp(), log_b.exp()
    log_norm = torch.lgamma(a + b) - torch.lgamma(a) - torch.lgamma(b)
    return (log_norm + (a - 1) * data.log() + (b - 1) * torch.log1p(-data)).sum()


data = 0.5 + 0.45 * pattern((20,), 1.0)
log_a = torch.tensor(0.3, requires_grad=True)
log_b = torch.tensor(-0.2, requires_grad=True)
ll = beta_log_likelihood(log_a, log_b, data)
ll.backward()
a, b = log_a.detach().exp(), log_b.detach().exp()
n = data.numel()
closed_a = a * (n * (torch.special.digamma(a + b) - torch.digamma(a)) + data.log().sum())
closed_b = b * (n * (torch.special.digamma(a + b) - torch.special.psi(b))
                + torch.log1p(-data).sum())
print("ll", ll.item(), "grad", log_a.grad.item(), log_b.grad.item())
print("closed form agrees", torch.allclose(log_a.grad, closed_a),
      torch.allclose(log_b.grad, closed_b))
# PyTorch's trigamma is good to ~5e-10 (pi**2 / 2 at 0.5), minigrad's to round-off
# (docs/faq.md): compared to 8 digits
print("gammaln", torch.special.gammaln(torch.tensor([0.5, 3.0, 10.5])).tolist(),
      "polygamma", [round(v, 8)
                    for v in torch.special.polygamma(1, torch.tensor([0.5, 2.0])).tolist()],
      "multigammaln", torch.special.multigammaln(torch.tensor(2.5), 3).item())
opt = torch.optim.Rprop([log_a, log_b], lr=0.02)
for _ in range(8):
    opt.zero_grad()
    loss = -beta_log_likelihood(log_a, log_b, data)
    loss.backward()
    opt.step()
print("fitted", log_a.exp().item(), log_b.exp().item(), "loss", loss.item())
print("distributions agree", torch.allclose(
    torch.distributions.Beta(log_a.exp(), log_b.exp()).log_prob(data).sum(),
    beta_log_likelihood(log_a, log_b, data)))

# window functions smoothing a noisy series (a normalised window as a conv1d kernel); the
# Kaiser window is built from the modified Bessel function i0
series = torch.sin(torch.linspace(0, 6, 40)) + 0.2 * pattern((40,), 3.0)
for name, window in (("hann", torch.hann_window(7, periodic=False)),
                     ("hamming", torch.hamming_window(7)),
                     ("blackman", torch.blackman_window(7, periodic=False)),
                     ("bartlett", torch.bartlett_window(7, periodic=False)),
                     ("kaiser", torch.kaiser_window(7, periodic=False, beta=8.0)),
                     ("gaussian", torch.signal.windows.gaussian(7, std=1.5)),
                     ("cosine", torch.signal.windows.cosine(7))):
    kernel = (window / window.sum()).view(1, 1, -1)
    smooth = F.conv1d(series.view(1, 1, -1), kernel, padding=3).flatten()
    print(name, window.dtype, window[:4].tolist(), ((smooth - series) ** 2).mean().item())
print("i0", torch.special.i0(torch.tensor([0.0, 1.0, 8.0])).tolist(),
      "kaiser = i0 ratio", torch.allclose(torch.kaiser_window(5, False, 8.0)[1],
                                         torch.special.i0(torch.tensor(8.0 * (1 - 0.25) ** 0.5))
                                         / torch.special.i0(torch.tensor(8.0))))

# special functions and the newer elementwise ops inside losses, differentiated
p = torch.tensor([0.05, 0.3, 0.5, 0.15], requires_grad=True)
q = torch.tensor([0.25, 0.25, 0.25, 0.25])
kl = torch.special.xlogy(p, p / q).sum()  # KL(p || q) of two histograms
ent = torch.special.entr(p).sum()
logit = torch.special.logit(p, eps=1e-6)
(kl + ent + logit.sum() + torch.special.log_ndtr(logit).sum()
 + torch.special.erfcx(p).sum() + torch.special.expit(logit).sum()).backward()
print("xlogy kl", kl.item(), "entr", ent.item(), "grad", p.grad.tolist())
z = torch.tensor([-3.0, -0.5, 0.0, 2.0, 10.0], requires_grad=True)
parts = (torch.special.ndtr(z), torch.special.log_ndtr(z), torch.special.erfinv(z.tanh() * 0.9),
         torch.special.i0e(z), torch.special.i1(z), torch.special.sinc(z),
         torch.special.logsumexp(z, 0), torch.special.log1p(z.exp()), torch.special.expm1(z / 4))
print("special", [t.sum().item() for t in parts])
sum(t.sum() for t in parts).backward()
print("special grad", z.grad.tolist())
# a geometric mean with prod (the gradient at a zero entry), angles by atan2 and hypot
v = torch.tensor([[2.0, 0.0, 3.0], [1.5, 2.0, 0.5]], requires_grad=True)
gm = v[1].prod() ** (1 / 3)
(v.prod(dim=1).sum() + gm).backward()
print("prod", v.prod(dim=1).tolist(), "grad", v.grad.tolist())
xy = pattern((2, 5), 8.0).requires_grad_(True)
angle = torch.atan2(xy[1], xy[0])
radius = torch.hypot(xy[0], xy[1])
(angle.sin() * radius + torch.logcumsumexp(angle, 0)).sum().backward()
print("atan2", angle.tolist(), "grad", xy.grad[0].tolist())
lo, hi = torch.aminmax(xy.detach(), dim=1)
print("aminmax", lo.tolist(), hi.tolist(), torch.asinh(radius).sum().item(),
      torch.histogram(xy.detach().flatten(), bins=4, range=(-0.5, 0.5)).hist.tolist())

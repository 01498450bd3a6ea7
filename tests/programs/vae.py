"""pytorch/examples' vae/main.py on a toy scale: an encoder to ``mu, logvar``, the
reparameterisation trick, a decoder to Bernoulli means, the loss ``F.binary_cross_entropy``
plus the KL term, trained a few steps with Adam. The noise ``eps`` is a fixed formula (a real
run draws it with ``randn_like``) so the numbers compare. Then the same KL by
``torch.distributions`` (``kl_divergence(Normal, Normal)``, ``Independent``), the ELBO by
``log_prob``, ``MultivariateNormal``'s density against the diagonal one, and a Bayesian
regression's MAP estimate (Laplace and Gamma priors) with the other families' KLs, moments,
entropies, densities and cdfs."""

import math

import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.distributions import (
    Beta,
    Dirichlet,
    Exponential,
    Gamma,
    Independent,
    Laplace,
    MultivariateNormal,
    Normal,
    Uniform,
    kl_divergence,
)

torch.set_default_dtype(torch.float64)


def pattern(shape, phase, scale=0.4):
    n = math.prod(shape)
    return torch.tensor([scale * math.sin(1.3 * i + phase) for i in range(n)]).reshape(shape)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(12, 8)
        self.fc21 = nn.Linear(8, 3)
        self.fc22 = nn.Linear(8, 3)
        self.fc3 = nn.Linear(3, 8)
        self.fc4 = nn.Linear(8, 12)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, eps):
        std = torch.exp(0.5 * logvar)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x, eps):
        mu, logvar = self.encode(x.view(-1, 12))
        z = self.reparameterize(mu, logvar, eps)
        return self.decode(z), mu, logvar


# Reconstruction + KL divergence losses summed over all elements and batch
def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 12), reduction="sum")
    # see Appendix B from VAE paper: Kingma and Welling. Auto-Encoding Variational Bayes.
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD, BCE, KLD


model = VAE()
for i, p in enumerate(model.parameters()):
    p.data.copy_(pattern(p.shape, i))
optimizer = optim.Adam(model.parameters(), lr=1e-2)
data = (pattern((6, 12), 2.0, 1.0) + 1) / 2  # in [0, 1], as MNIST's pixels
model.train()
for step in range(4):
    eps = pattern((6, 3), 5.0 + step, 1.0)
    optimizer.zero_grad()
    recon_batch, mu, logvar = model(data, eps)
    loss, bce, kld = loss_function(recon_batch, data, mu, logvar)
    loss.backward()
    optimizer.step()
    print("step", step, "loss", loss.item(), "bce", bce.item(), "kld", kld.item())

# the same terms through torch.distributions
mu, logvar = model.encode(data)
posterior = Normal(mu, torch.exp(0.5 * logvar))
prior = Normal(torch.zeros_like(mu), torch.ones_like(mu))
kl = kl_divergence(posterior, prior)
print("kl shape", tuple(kl.shape), "kl sum", kl.sum().item(),
      "closed form", (-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())).item())
q = Independent(posterior, 1)
p = Independent(prior, 1)
print("independent batch", tuple(q.batch_shape), "event", tuple(q.event_shape))
print("independent kl", kl_divergence(q, p).tolist())
eps = pattern((6, 3), 9.0, 1.0)
z = mu + eps * posterior.stddev  # what posterior.rsample() computes with this eps
recon = model.decode(z)
try:  # pixels in [0, 1] are outside Bernoulli's support {0, 1} ...
    torch.distributions.Bernoulli(probs=recon).log_prob(data)
except ValueError as e:
    print("refused:", type(e).__name__, "support" in str(e))
# ... so the VAE's reading of the BCE as a log-likelihood turns validation off
log_px = torch.distributions.Bernoulli(probs=recon, validate_args=False).log_prob(data).sum(-1)
elbo = log_px + p.log_prob(z) - q.log_prob(z)
print("elbo", elbo.tolist())
print("bce agrees", torch.allclose(-log_px.sum(), F.binary_cross_entropy(recon, data,
                                                                           reduction="sum")))
(-elbo.mean()).backward()
print("grad norms", [round(p.grad.norm().item(), 10) for p in model.parameters()])
draw = posterior.rsample()
print("rsample", tuple(draw.shape), draw.requires_grad, "entropy", posterior.entropy().sum().item())

# a full-covariance Gaussian: its density, and the diagonal case against Normal's
loc = pattern((3,), 0.5)
A = pattern((3, 3), 1.5) + 2 * torch.eye(3)
cov = A @ A.T
mvn = MultivariateNormal(loc, covariance_matrix=cov)
points = pattern((4, 3), 3.0, 2.0)
print("mvn log_prob", mvn.log_prob(points).tolist())
print("mvn entropy", mvn.entropy().item(), "mean", mvn.mean.tolist())
print("scale_tril", mvn.scale_tril.diagonal().tolist())
diag = MultivariateNormal(loc, scale_tril=torch.diag(torch.tensor([0.5, 1.0, 2.0])))
indep = Independent(Normal(loc, torch.tensor([0.5, 1.0, 2.0])), 1)
print("diagonal agrees", torch.allclose(diag.log_prob(points), indep.log_prob(points)))
loc.requires_grad_(True)
MultivariateNormal(loc, precision_matrix=torch.linalg.inv(cov)).log_prob(points).sum().backward()
print("loc grad", loc.grad.tolist())
A.requires_grad_(True)  # the density's gradient through the Cholesky factor of A A^T
MultivariateNormal(loc, covariance_matrix=A @ A.T).log_prob(points).sum().backward()
print("A grad", A.grad.sum(0).tolist())

# a Bayesian linear regression's MAP estimate: a Laplace prior on the weights, a Gamma prior
# on the noise precision, a Normal likelihood; and the conjugate families' closed forms
X = pattern((20, 3), 1.0, 1.0)
y = X @ torch.tensor([1.0, -0.5, 0.0]) + 0.1 * pattern((20,), 2.0, 1.0)
w = torch.zeros(3, requires_grad=True)
log_tau = torch.tensor(0.0, requires_grad=True)
opt = optim.Adam([w, log_tau], lr=0.05)
for step in range(5):
    opt.zero_grad()
    tau = log_tau.exp()
    log_lik = Normal(X @ w, tau.rsqrt()).log_prob(y).sum()
    log_prior = Laplace(0.0, 0.5).log_prob(w).sum() + Gamma(2.0, 0.5).log_prob(tau)
    loss = -(log_lik + log_prior)
    loss.backward()
    opt.step()
    print("map", step, loss.item(), w.tolist())
g1, g2 = Gamma(torch.tensor([2.0, 3.5]), torch.tensor([1.0, 0.5])), Gamma(3.0, 2.0)
b1, b2 = Beta(torch.tensor([2.0, 0.5]), torch.tensor([3.0, 0.7])), Beta(1.5, 1.5)
d1 = Dirichlet(torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.5, 4.0]]))
d2 = Dirichlet(torch.tensor([2.0, 2.0, 2.0]))
print("kl gamma", kl_divergence(g1, g2).tolist(), "kl beta", kl_divergence(b1, b2).tolist())
print("kl dirichlet", kl_divergence(d1, d2).tolist(),
      "kl exponential",
      kl_divergence(Exponential(torch.tensor([0.5, 2.0])), Exponential(1.0)).tolist())
print("kl laplace", kl_divergence(Laplace(0.3, 1.2), Laplace(0.0, 1.0)).item(),
      "kl uniform", kl_divergence(Uniform(0.2, 0.5), Uniform(0.0, 1.0)).item())
print("moments", g1.mean.tolist(), g1.variance.tolist(), b1.mean.tolist(), b1.variance.tolist(),
      d1.mean[1].tolist(), d1.variance[0].tolist())
print("entropy", g1.entropy().tolist(), b1.entropy().tolist(), d1.entropy().tolist(),
      Laplace(0.0, 2.0).entropy().item(), Uniform(-1.0, 3.0).entropy().item())
print("log_prob", g1.log_prob(torch.tensor([0.7, 2.5])).tolist(),
      b1.log_prob(torch.tensor([0.3, 0.9])).tolist(),
      d1.log_prob(torch.tensor([0.2, 0.3, 0.5])).tolist(),
      Uniform(0.0, 2.0, validate_args=False).log_prob(torch.tensor([1.0, 3.0])).tolist())
print("cdf", Normal(0.5, 2.0).cdf(torch.tensor([0.0, 1.0])).tolist(),
      Normal(0.5, 2.0).icdf(torch.tensor([0.1, 0.9])).tolist(),
      Laplace(0.0, 1.0).cdf(torch.tensor(0.5)).item(),
      Exponential(2.0).icdf(torch.tensor(0.5)).item())
concentration = torch.tensor([2.0, 3.0], requires_grad=True)
draw = Gamma(concentration, 1.0).rsample()
print("gamma rsample", draw.requires_grad, tuple(draw.shape), bool((draw > 0).all()),
      Gamma(2.0, 1.0).has_rsample, Dirichlet(torch.ones(3)).sample().sum().item())
try:
    Normal(0.0, -1.0)
except ValueError as e:
    print("refused:", type(e).__name__, "scale" in str(e))

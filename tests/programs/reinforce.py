"""pytorch/examples' reinforcement_learning/reinforce.py: a policy network, actions' log
probabilities from ``distributions.Categorical``, discounted returns normalised by their
standard deviation, the REINFORCE loss ``-log_prob * return`` stepped with Adam. The episodes
are fixed (actions given, not sampled) so the numbers compare; an entropy bonus as many
actor-critic variants add it. Then sampling replayed from a saved RNG state (``fork_rng``, a
``Generator``), an actor-critic update with a KL between policies, ``OneHotCategorical``,
legacy tensor types, and invalid-action masking with ``-inf`` logits."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical

torch.set_default_dtype(torch.float64)
eps = torch.finfo(torch.float64).eps
gamma = 0.99


def pattern(shape, phase):
    n = math.prod(shape)
    return torch.tensor([0.4 * math.sin(1.1 * i + phase) for i in range(n)]).reshape(shape)


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(4, 16)
        self.dropout = nn.Dropout(p=0.0)
        self.affine2 = nn.Linear(16, 2)

        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = self.affine1(x)
        x = self.dropout(x)
        x = F.relu(x)
        action_scores = self.affine2(x)
        return F.softmax(action_scores, dim=1)


policy = Policy()
for i, p in enumerate(policy.parameters()):
    p.data.copy_(pattern(p.shape, i))
optimizer = optim.Adam(policy.parameters(), lr=1e-2)


def select_action(state, action):
    state = state.unsqueeze(0)
    probs = policy(state)
    m = Categorical(probs)
    policy.saved_log_probs.append(m.log_prob(torch.tensor([action])))
    return m


def finish_episode(entropies):
    R = 0
    policy_loss = []
    returns = []
    for r in policy.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    for log_prob, R in zip(policy.saved_log_probs, returns):
        policy_loss.append(-log_prob * R)
    optimizer.zero_grad()
    policy_loss = torch.cat(policy_loss).sum() - 0.01 * torch.stack(entropies).sum()
    policy_loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]
    return policy_loss.item(), returns


for i_episode in range(3):
    entropies = []
    for t in range(8):
        state = pattern((4,), 0.7 * t + 3 * i_episode) * 3
        action = (t * 5 + i_episode) % 3 % 2
        m = select_action(state, action)
        entropies.append(m.entropy().squeeze())
        policy.rewards.append(1.0 if (t + i_episode) % 3 else 0.5)
    loss, returns = finish_episode(entropies)
    print("episode", i_episode, "loss", loss, "returns", [round(r, 10) for r in
                                                            returns.tolist()[:3]])

# the same policy read through logits: Categorical(logits=...) normalises them
scores = policy.affine2(F.relu(policy.affine1(pattern((5, 4), 1.0) * 3)))
by_logits = Categorical(logits=scores)
by_probs = Categorical(probs=F.softmax(scores, dim=-1))
actions = torch.tensor([0, 1, 1, 0, 1])
print("batch_shape", tuple(by_logits.batch_shape), "event_shape", tuple(by_logits.event_shape))
print("log_prob", by_logits.log_prob(actions).tolist())
print("same", torch.allclose(by_logits.log_prob(actions), by_probs.log_prob(actions)))
print("entropy", by_logits.entropy().tolist())
print("probs rows sum", by_logits.probs.sum(-1).tolist())
print("logits", by_probs.logits[0].tolist())
print("mode", by_logits.mode.tolist())
print("enumerate", by_logits.enumerate_support().squeeze(-1)[:, 0].tolist())
# a sample's properties: its shape, its values in the support
draws = by_logits.sample((100,))
print("sample shape", tuple(draws.shape), "in support",
      bool(((draws == 0) | (draws == 1)).all()), draws.dtype)
loss = -(by_logits.log_prob(actions) * torch.tensor([1.0, -0.5, 2.0, 0.3, -1.0])).mean()
loss.backward()
print("grad", policy.affine2.bias.grad.tolist(), policy.affine1.weight.grad.norm().item())

# sampling is reproducible from a saved generator state, as replay code relies on
m = Categorical(logits=scores.detach())
state = torch.get_rng_state()
first = m.sample((20,))
torch.set_rng_state(state)
print("replayed", torch.equal(first, m.sample((20,))), state.dtype)
with torch.random.fork_rng():
    inside = m.sample((20,))
after = m.sample((20,))
torch.set_rng_state(state)
m.sample((20,))
print("fork_rng leaves the stream", torch.equal(after, m.sample((20,))))
g = torch.Generator().manual_seed(3)
draws = torch.multinomial(by_probs.probs, 4, replacement=True, generator=g)
g.manual_seed(3)
print("generator", tuple(draws.shape),
      torch.equal(draws, torch.multinomial(by_probs.probs, 4, replacement=True, generator=g)))
torch.manual_seed(7)
a = torch.rand(3)
torch.manual_seed(7)
print("manual_seed", torch.equal(a, torch.rand(3)), torch.initial_seed())

# an actor-critic update (pytorch/examples' actor_critic.py): a value head, smooth L1
value_head = nn.Linear(16, 1)
value_head.weight.data.copy_(pattern((1, 16), 9.0))
value_head.bias.data.fill_(0.1)
hidden = F.relu(policy.affine1(pattern((4, 4), 2.0) * 3))
values = value_head(hidden).squeeze(-1)
returns = torch.tensor([1.0, 0.5, -0.2, 0.8])
advantage = returns - values.detach()
dist = Categorical(logits=policy.affine2(hidden))
taken = torch.tensor([1, 0, 0, 1])
policy_losses = -dist.log_prob(taken) * advantage
value_losses = F.smooth_l1_loss(values, returns, reduction="none")
total = policy_losses.sum() + value_losses.sum()
print("actor-critic", policy_losses.tolist(), value_losses.tolist())
old = Categorical(logits=policy.affine2(hidden).detach() * 0.9)
print("kl", torch.distributions.kl_divergence(old, dist).tolist())
one_hot = torch.distributions.OneHotCategorical(logits=policy.affine2(hidden))
print("one hot", one_hot.log_prob(F.one_hot(taken, 2).double()).tolist(),
      tuple(one_hot.sample().shape), one_hot.entropy().sum().item())

# legacy tensor types, as older examples build their buffers
rewards = torch.FloatTensor([1.0, 0.0, 2.0])
print("legacy", rewards.dtype, rewards.type(), isinstance(rewards, torch.FloatTensor),
      rewards.type(torch.DoubleTensor).dtype, tuple(torch.LongTensor(2, 3).shape),
      isinstance(torch.zeros(2, dtype=torch.long), torch.LongTensor))

# invalid-action masking: logits of masked actions set to -inf (or the dtype's min)
logits = (pattern((3, 4), 5.0) * 5).requires_grad_(True)
mask = torch.tensor([[True, False, True, True], [True, True, False, False],
                     [False, False, False, True]])
masked = Categorical(logits=logits.masked_fill(~mask, float("-inf")))
print("masked probs", masked.probs.tolist())
print("masked entropy", masked.entropy().tolist(),
      masked.log_prob(torch.tensor([2, 1, 3])).tolist())
(masked.entropy().sum() - masked.log_prob(torch.tensor([2, 1, 3])).sum()).backward()
print("masked grad", logits.grad.tolist())
safe = Categorical(logits=torch.where(mask, logits, torch.finfo(logits.dtype).min))
print("finfo.min", safe.entropy().tolist())

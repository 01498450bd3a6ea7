"""pytorch/examples' time_sequence_prediction: two stacked ``nn.LSTMCell`` layers learn sine
waves, trained with ``optim.LBFGS(lr=0.8)`` and a closure, then asked to continue the waves
``future`` steps past the data. Then the "Neural Transfer" tutorial's L-BFGS loop, which
optimises the input image and clamps it inside the closure."""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.set_default_dtype(torch.float64)


def pattern(shape, phase):
    n = math.prod(shape)
    return torch.tensor([0.3 * math.sin(1.3 * i + phase) for i in range(n)]).reshape(shape)


class Sequence(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTMCell(1, 8)
        self.lstm2 = nn.LSTMCell(8, 8)
        self.linear = nn.Linear(8, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), 8, dtype=torch.double)
        c_t = torch.zeros(input.size(0), 8, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), 8, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), 8, dtype=torch.double)

        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for _ in range(future):  # if we should predict the future
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        outputs = torch.cat(outputs, dim=1)
        return outputs


# the example's generate_sine_wave.py, with fixed shifts instead of random ones
T, L, N = 20, 40, 6
x = np.empty((N, L), "int64")
x[:] = np.array(range(L)) + np.array([(7 * k) % (2 * T) for k in range(N)]).reshape(N, 1)
data = np.sin(x / 1.0 / T).astype("float64")

input = torch.from_numpy(data[2:, :-1])
target = torch.from_numpy(data[2:, 1:])
test_input = torch.from_numpy(data[:2, :-1])
test_target = torch.from_numpy(data[:2, 1:])

seq = Sequence()
seq.double()
for i, p in enumerate(seq.parameters()):
    p.data.copy_(pattern(p.shape, i))
criterion = nn.MSELoss()
optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
print("state keys before:", sorted(optimizer.state_dict()["param_groups"][0]))
calls = []
for i in range(2):
    calls.clear()

    def closure():
        optimizer.zero_grad()
        out = seq(input)
        loss = criterion(out, target)
        calls.append(loss.item())
        loss.backward()
        return loss

    returned = optimizer.step(closure)
    print("STEP:", i, "returned:", returned.item(), "closure calls:", len(calls),
          "last loss:", calls[-1])
    with torch.no_grad():
        future = 10
        pred = seq(test_input, future=future)
        loss = criterion(pred[:, :-future], test_target)
        print("test loss:", loss.item())
        y = pred.detach().numpy()
    print("shape:", list(y.shape), "future:", [round(float(v), 8) for v in y[0, -4:]])

state = optimizer.state[optimizer.param_groups[0]["params"][0]]
print("func_evals:", state["func_evals"], "n_iter:", state["n_iter"])
print("norms:", [p.norm().item() for p in seq.parameters()])


# the neural style transfer tutorial's loop (a frozen conv as the feature extractor)
def gram_matrix(input):
    a, b, c, d = input.size()  # a=batch size(=1), b=number of feature maps, (c,d)=dimensions
    features = input.view(a * b, c * d)
    G = torch.mm(features, features.t())
    return G.div(a * b * c * d)


def image(shape, phase, scale):
    return 0.5 + torch.tensor([scale * math.sin(1.3 * i + phase)
                               for i in range(math.prod(shape))]).reshape(shape)


cnn = nn.Conv2d(3, 4, 3)
cnn.weight.data.copy_(pattern(cnn.weight.shape, 1.0))
cnn.bias.data.copy_(pattern((4,), 2.0))
cnn.requires_grad_(False)
content_img, style_img = image((1, 3, 8, 8), 3.0, 0.5), image((1, 3, 8, 8), 4.0, 0.4)
content_target = cnn(content_img).detach()
style_target = gram_matrix(cnn(style_img)).detach()
input_img = content_img.clone()
input_img.requires_grad_(True)
optimizer = optim.LBFGS([input_img])
run = [0]
while run[0] <= 30:

    def closure():
        # correct the values of updated input image
        with torch.no_grad():
            input_img.clamp_(0, 1)

        optimizer.zero_grad()
        features = cnn(input_img)
        style_score = F.mse_loss(gram_matrix(features), style_target) * 1000
        content_score = F.mse_loss(features, content_target)
        loss = style_score + content_score
        loss.backward()

        run[0] += 1
        if run[0] % 10 == 0:
            print("run", run[0], "Style Loss", style_score.item(), "Content Loss",
                  content_score.item())
        return style_score + content_score

    optimizer.step(closure)
with torch.no_grad():
    input_img.clamp_(0, 1)
print("image", input_img.sum().item(), input_img.min().item(), input_img.max().item())

"""Grad-CAM as it is usually written for a PyTorch CNN: a forward hook keeps the last
convolution's activations, a full backward hook (``register_full_backward_hook``) its output
gradient; the channel weights are the gradients' spatial means, the map a ReLU of the weighted
sum, resized to the input with ``F.interpolate`` (bilinear and bicubic, align_corners=False)
and normalised to [0, 1]. Then the model in channels_last, the other interpolation modes
(antialiased downsampling as torchvision's Resize, area, nearest-exact, trilinear), guided
backpropagation (hooks that return a new grad_input), a backward pre-hook, and hooks on
modules of two inputs."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def pattern(shape, phase, scale=0.5):
    n = math.prod(shape)
    return torch.tensor([scale * math.sin(1.9 * i + phase) for i in range(n)]).reshape(shape)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        # ReLU(inplace=True) after the hooked conv is refused by PyTorch ("Output 0 of
        # BackwardHookFunction is a view and is being modified inplace") and accepted by
        # minigrad, which computes inplace=True out of place (docs/faq.md): plain ReLUs here
        self.features = nn.Sequential(
            nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 8, 3, padding=1), nn.ReLU())
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(8, 4)

    def forward(self, x):
        x = self.features(x)
        x = self.pool(x)
        return self.classifier(torch.flatten(x, 1))


class GradCAM:
    def __init__(self, model, target_layer):
        self.model = model
        self.activations = None
        self.gradients = None
        self.calls = []
        self.handles = [target_layer.register_forward_hook(self.save_activation),
                        target_layer.register_full_backward_hook(self.save_gradient)]

    def save_activation(self, module, input, output):
        self.activations = output.detach()

    def save_gradient(self, module, grad_input, grad_output):
        self.calls.append((len(grad_input), len(grad_output),
                           grad_input[0] is not None and tuple(grad_input[0].shape)))
        self.gradients = grad_output[0].detach()

    def remove(self):
        for handle in self.handles:
            handle.remove()

    def __call__(self, x, class_idx=None, mode="bilinear"):
        self.model.zero_grad()
        logits = self.model(x)
        if class_idx is None:
            class_idx = logits.argmax(dim=1)
        score = logits.gather(1, class_idx.view(-1, 1)).sum()
        score.backward()
        weights = self.gradients.mean(dim=(2, 3), keepdim=True)
        cam = F.relu((weights * self.activations).sum(dim=1, keepdim=True))
        cam = F.interpolate(cam, size=x.shape[2:], mode=mode, align_corners=False)
        flat = cam.flatten(1)
        lo, hi = flat.min(dim=1)[0], flat.max(dim=1)[0]
        cam = (cam - lo.view(-1, 1, 1, 1)) / (hi - lo + 1e-8).view(-1, 1, 1, 1)
        return cam, class_idx


model = Net()
for i, p in enumerate(model.parameters()):
    p.data.copy_(pattern(p.shape, i))
model.eval()
images = pattern((2, 3, 10, 10), 0.4, 2.0)
images.requires_grad_(True)  # saliency too: the input's gradient
cam = GradCAM(model, model.features[3])
heat, classes = cam(images)
print("classes", classes.tolist(), "hook calls", cam.calls)
print("activations", tuple(cam.activations.shape), "gradients", tuple(cam.gradients.shape),
      cam.gradients.abs().sum().item())
print("bilinear", tuple(heat.shape), heat.sum().item(), heat[0, 0, 4, :5].tolist())
print("saliency", images.grad.abs().amax(dim=1).sum().item())
heat, _ = cam(images, class_idx=torch.tensor([1, 2]), mode="bicubic")
print("bicubic", heat.sum().item(), heat[1, 0, :3, 7].tolist(), heat.min().item(),
      heat.max().item())
# bicubic overshoots: the raw map resized before normalising can dip below zero
raw = F.relu((cam.gradients.mean(dim=(2, 3), keepdim=True) * cam.activations).sum(1, True))
for mode in ("nearest", "bilinear", "bicubic"):
    kwargs = {} if mode == "nearest" else {"align_corners": False}
    up = F.interpolate(raw, scale_factor=2, mode=mode, **kwargs)
    print(mode, tuple(up.shape), up.sum().item(), up.min().item())
print("corners", F.interpolate(raw, size=(7, 9), mode="bicubic",
                               align_corners=True)[0, 0, 3].tolist())
raw.requires_grad_(True)  # and the resize's own gradient
for mode in ("bilinear", "bicubic"):
    up = F.interpolate(raw, size=(10, 10), mode=mode, align_corners=False)
    (up * images[:, :1].detach()).sum().backward()
    print(mode, "grad", raw.grad.sum().item(), raw.grad[0, 0, 2].tolist())
    raw.grad = None
cam.remove()
model.zero_grad()
model(images).sum().backward()
print("after remove", len(cam.calls), "grad", model.classifier.weight.grad.norm().item())

# the same model in channels_last, as the "Channels Last Memory Format" tutorial converts it
model = model.to(memory_format=torch.channels_last)
x = images.detach().to(memory_format=torch.channels_last)
print("channels_last", x.is_contiguous(), x.is_contiguous(memory_format=torch.channels_last),
      x.stride(), model.features[0].weight.is_contiguous(memory_format=torch.channels_last))
out = model.features(x)
# (not printed: whether out is channels_last. PyTorch's conv, batch norm, pools and
# interpolate keep the layout; minigrad's return contiguous tensors, see docs/faq.md)
print("output", tuple(out.shape), torch.allclose(model(x), model(images.detach())))
print("back", x.contiguous().stride(), x.contiguous().is_contiguous())
# image resizing as torchvision's Resize does it (antialiased downsampling), and the others
for kwargs in ({"mode": "bilinear", "antialias": True}, {"mode": "bicubic", "antialias": True},
               {"mode": "area"}, {"mode": "nearest-exact"}, {"mode": "nearest"}):
    small = F.interpolate(images.detach(), size=(4, 6), **kwargs)
    print(kwargs["mode"], kwargs.get("antialias", False), small.sum().item(),
          small[1, 2, 1].tolist())
up = F.interpolate(images.detach(), scale_factor=1.5, mode="bilinear", align_corners=False,
                   recompute_scale_factor=True)
print("scale 1.5", tuple(up.shape), up.mean().item())
up = F.interpolate(images.detach(), scale_factor=1.7, mode="bicubic", align_corners=False)
print("scale 1.7", tuple(up.shape), up[0, 0, 5, :4].tolist())
depth = torch.arange(1.0, 4.0).view(1, 1, 3, 1, 1)
vol = images.detach().unsqueeze(2).expand(-1, -1, 3, -1, -1) * depth
print("trilinear", F.interpolate(vol, size=(5, 4, 4), mode="trilinear").sum().item())
print("linear", F.interpolate(images[:, :, 0].detach(), size=7, mode="linear").sum().item())

# guided backpropagation: a full backward hook on every ReLU returns a clamped grad_input
model = Net()
for i, p in enumerate(model.parameters()):
    p.data.copy_(pattern(p.shape, i))


def guided_relu_hook(module, grad_input, grad_output):
    return (torch.clamp(grad_input[0], min=0.0),)


handles = [m.register_full_backward_hook(guided_relu_hook)
           for m in model.modules() if isinstance(m, nn.ReLU)]
x = images.detach().clone().requires_grad_(True)
model(x)[:, 1].sum().backward()
print("guided", len(handles), x.grad.abs().sum().item(), x.grad[0, 0, 3, :4].tolist())
for h in handles:
    h.remove()
x.grad = None
model(x)[:, 1].sum().backward()
print("plain", x.grad.abs().sum().item())

# a pre-hook sees (and may replace) grad_output before the module's backward
seen = []


def scale_grad_output(module, grad_output):
    seen.append(grad_output[0].norm().item())
    return (grad_output[0] * 2,)


h = model.classifier.register_full_backward_pre_hook(scale_grad_output)
x.grad = None
model(x)[:, 1].sum().backward()
print("pre-hook", seen, x.grad.abs().sum().item())
h.remove()


# a module of two inputs: grad_input has one entry per positional tensor argument
class Gate(nn.Module):
    def forward(self, a, b):
        return a * torch.sigmoid(b)


gate = Gate()
grads = []
gate.register_full_backward_hook(
    lambda m, gin, gout: grads.append([None if g is None else g.sum().item() for g in gin]))
a = pattern((3, 4), 1.0).requires_grad_(True)
b = pattern((3, 4), 2.0)
(gate(a, b) ** 2).sum().backward()
print("two inputs", grads, a.grad.sum().item())
bil = nn.Bilinear(3, 2, 4)
for i, p in enumerate(bil.parameters()):
    p.data.copy_(pattern(p.shape, i))
got = []
bil.register_full_backward_hook(lambda m, gin, gout: got.append([tuple(g.shape) for g in gin]))
u, v = pattern((5, 3), 3.0).requires_grad_(True), pattern((5, 2), 4.0).requires_grad_(True)
bil(u, v).pow(2).sum().backward()
print("bilinear", got, u.grad.sum().item(), v.grad.sum().item())

"""ResNet-18 on CIFAR-shaped data: a PyTorch script, runnable on minigrad unchanged.

The usual CIFAR-10 recipe (SGD with momentum and weight decay, cosine schedule, label
smoothing, a checkpoint dict with model and optimizer state), on random 32x32 images so it
needs no download. tests/test_pytorch_scripts.py runs it on both libraries.

    python examples/pytorch/cifar_resnet.py --epochs 1 --width 4
"""

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, Dataset


class RandomImages(Dataset):
    """CIFAR-shaped samples from a fixed seed: (3, 32, 32) float image, int label."""

    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.images = rng.standard_normal((n, 3, 32, 32)).astype(np.float32)
        self.labels = rng.integers(0, 10, n)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.from_numpy(self.images[i]), int(self.labels[i])


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride,
                          bias=False),
                nn.BatchNorm2d(self.expansion * planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        out = F.relu(out)
        return out


class ResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=10, width=1):
        super().__init__()
        self.in_planes = 64 // width
        self.conv1 = nn.Conv2d(3, 64 // width, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64 // width)
        self.layer1 = self._make_layer(block, 64 // width, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 128 // width, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, 256 // width, num_blocks[2], stride=2)
        self.layer4 = self._make_layer(block, 512 // width, num_blocks[3], stride=2)
        self.linear = nn.Linear(512 // width * block.expansion, num_classes)

    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for stride in strides:
            layers.append(block(self.in_planes, planes, stride))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = self.layer4(out)
        out = F.avg_pool2d(out, 4)
        out = out.view(out.size(0), -1)
        out = self.linear(out)
        return out


def ResNet18(width=1):
    return ResNet(BasicBlock, [2, 2, 2, 2], width=width)


def main(argv=None):
    parser = argparse.ArgumentParser(description="ResNet-18 on CIFAR-shaped random data")
    parser.add_argument("--lr", default=0.1, type=float)
    parser.add_argument("--epochs", default=2, type=int)
    parser.add_argument("--batch-size", default=32, type=int)
    parser.add_argument("--samples", default=256, type=int)
    parser.add_argument("--width", default=1, type=int, help="divide every channel count")
    parser.add_argument("--no-shuffle", action="store_true")
    parser.add_argument("--init", default=None, help=".npz of initial weights (state-dict names)")
    parser.add_argument("--checkpoint", default=None, help="where to save the checkpoint")
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    trainloader = DataLoader(RandomImages(args.samples, 1), batch_size=args.batch_size,
                             shuffle=not args.no_shuffle)
    testloader = DataLoader(RandomImages(args.samples // 4, 2), batch_size=100)

    net = ResNet18(args.width).to(device)
    if args.init:
        arrays = np.load(args.init)
        net.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = optim.SGD(net.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    for epoch in range(args.epochs):
        net.train()
        train_loss, correct, total = 0.0, 0, 0
        for batch_idx, (inputs, targets) in enumerate(trainloader):
            inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, targets)
            loss.backward()
            optimizer.step()
            train_loss += loss.item()
            _, predicted = outputs.max(1)
            total += targets.size(0)
            correct += predicted.eq(targets).sum().item()
            print(f"epoch {epoch} batch {batch_idx} loss {loss.item():.6f}")
        net.eval()
        test_correct = 0
        with torch.no_grad():
            for inputs, targets in testloader:
                outputs = net(inputs.to(device))
                _, predicted = torch.max(outputs, 1)
                test_correct += (predicted == targets.to(device)).sum().item()
        print(f"epoch {epoch} train loss {train_loss / (batch_idx + 1):.6f} "
              f"train acc {100.0 * correct / total:.2f}% test acc "
              f"{100.0 * test_correct / len(testloader.dataset):.2f}%")
        scheduler.step()
    if args.checkpoint:
        torch.save({"net": net.state_dict(), "optimizer": optimizer.state_dict(),
                    "epoch": args.epochs}, args.checkpoint)


if __name__ == "__main__":
    main()

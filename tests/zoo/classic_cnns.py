"""The classic CNNs, written in plain PyTorch (d2l.ai's chapter on modern CNNs), scaled down.

This file is *PyTorch code*: tests/test_classic_cnns.py runs its text once as it is, against
PyTorch, and once with the three import lines rewritten to minigrad, as a user porting a script
would. Nothing here may mention minigrad. ``width`` divides every channel count so the suite stays
fast; the structure (kernels, strides, paddings, branches, skips) is the published one.
"""

import torch
from torch import nn
from torch.nn import functional as F


def lenet(num_classes=10):
    """LeNet-5 (sigmoid + average pooling), input (N, 1, 28, 28)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, num_classes))


def alexnet(num_classes=10, width=8, dropout=0.5):
    """AlexNet as in d2l (1 input channel), input (N, 1, 224, 224): 11x11/4 floors."""
    c1, c2, c3 = 96 // width, 256 // width, 384 // width
    return nn.Sequential(
        nn.Conv2d(1, c1, kernel_size=11, stride=4, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(c1, c2, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(c2, c3, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(c3, c3, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(c3, c2, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2), nn.Flatten(),
        nn.Linear(c2 * 5 * 5, 4096 // width // 4), nn.ReLU(), nn.Dropout(p=dropout),
        nn.Linear(4096 // width // 4, 4096 // width // 4), nn.ReLU(), nn.Dropout(p=dropout),
        nn.Linear(4096 // width // 4, num_classes))


def vgg_block(num_convs, in_channels, out_channels):
    layers = []
    for _ in range(num_convs):
        layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def vgg11(num_classes=10, width=16, dropout=0.5, size=32):
    """VGG-11, input (N, 1, size, size): five blocks halve the size five times."""
    arch = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
    blocks, in_channels = [], 1
    for num_convs, out_channels in arch:
        blocks.append(vgg_block(num_convs, in_channels, out_channels // width))
        in_channels = out_channels // width
    side = size // 32
    return nn.Sequential(
        *blocks, nn.Flatten(),
        nn.Linear(in_channels * side * side, 256), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(256, 256), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(256, num_classes))


def nin_block(in_channels, out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU())


def nin(num_classes=10, width=8):
    """Network in Network: 1x1 convolutions and a global average pool instead of dense layers."""
    c1, c2, c3 = 96 // width, 256 // width, 384 // width
    return nn.Sequential(
        nin_block(1, c1, kernel_size=11, strides=4, padding=0),
        nn.MaxPool2d(3, stride=2),
        nin_block(c1, c2, kernel_size=5, strides=1, padding=2),
        nn.MaxPool2d(3, stride=2),
        nin_block(c2, c3, kernel_size=3, strides=1, padding=1),
        nn.MaxPool2d(3, stride=2),
        nin_block(c3, num_classes, kernel_size=3, strides=1, padding=1),
        nn.AdaptiveAvgPool2d((1, 1)),
        nn.Flatten())


class Inception(nn.Module):
    """Four parallel paths concatenated on the channel axis."""

    def __init__(self, in_channels, c1, c2, c3, c4):
        super().__init__()
        self.p1_1 = nn.Conv2d(in_channels, c1, kernel_size=1)
        self.p2_1 = nn.Conv2d(in_channels, c2[0], kernel_size=1)
        self.p2_2 = nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1)
        self.p3_1 = nn.Conv2d(in_channels, c3[0], kernel_size=1)
        self.p3_2 = nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2)
        self.p4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.p4_2 = nn.Conv2d(in_channels, c4, kernel_size=1)

    def forward(self, x):
        p1 = F.relu(self.p1_1(x))
        p2 = F.relu(self.p2_2(F.relu(self.p2_1(x))))
        p3 = F.relu(self.p3_2(F.relu(self.p3_1(x))))
        p4 = F.relu(self.p4_2(self.p4_1(x)))
        return torch.cat((p1, p2, p3, p4), dim=1)


def googlenet(num_classes=10, width=8):
    """GoogLeNet with the first two Inception stages, input (N, 1, 96, 96)."""
    w = width
    b1 = nn.Sequential(nn.Conv2d(1, 64 // w, kernel_size=7, stride=2, padding=3), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b2 = nn.Sequential(nn.Conv2d(64 // w, 64 // w, kernel_size=1), nn.ReLU(),
                       nn.Conv2d(64 // w, 192 // w, kernel_size=3, padding=1), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    b3 = nn.Sequential(
        Inception(192 // w, 64 // w, (96 // w, 128 // w), (16 // w, 32 // w), 32 // w),
        Inception(256 // w, 128 // w, (128 // w, 192 // w), (32 // w, 96 // w), 64 // w),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    return nn.Sequential(b1, b2, b3, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                         nn.Linear(480 // w, num_classes))


class BasicBlock(nn.Module):
    """ResNet's basic block: two 3x3 convolutions with batch norm and an identity skip."""

    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class ResNet18(nn.Module):
    """ResNet-18 for CIFAR-sized input (N, 3, 32, 32): 3x3 stem, four stages of two blocks."""

    def __init__(self, num_classes=10, width=8):
        super().__init__()
        widths = [64 // width, 128 // width, 256 // width, 512 // width]
        self.conv1 = nn.Conv2d(3, widths[0], kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        in_planes, stages = widths[0], []
        for i, planes in enumerate(widths):
            stride = 1 if i == 0 else 2
            stages.append(nn.Sequential(BasicBlock(in_planes, planes, stride),
                                        BasicBlock(planes, planes, 1)))
            in_planes = planes
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.linear = nn.Linear(widths[3] * BasicBlock.expansion, num_classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.adaptive_avg_pool2d(out, (1, 1))
        out = out.view(out.size(0), -1)
        return self.linear(out)


def conv_block(input_channels, num_channels):
    return nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(),
                         nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    """Each layer sees the concatenation of every earlier layer's output."""

    def __init__(self, num_convs, input_channels, num_channels):
        super().__init__()
        layer = []
        for i in range(num_convs):
            layer.append(conv_block(num_channels * i + input_channels, num_channels))
        self.net = nn.Sequential(*layer)

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            X = torch.cat((X, Y), dim=1)
        return X


def transition_block(input_channels, num_channels):
    return nn.Sequential(nn.BatchNorm2d(input_channels), nn.ReLU(),
                         nn.Conv2d(input_channels, num_channels, kernel_size=1),
                         nn.AvgPool2d(kernel_size=2, stride=2))


def densenet(num_classes=10, growth_rate=8, num_convs_in_dense_blocks=(2, 2, 2, 2)):
    """DenseNet as in d2l, input (N, 1, 96, 96)."""
    b1 = nn.Sequential(nn.Conv2d(1, 16, kernel_size=7, stride=2, padding=3),
                       nn.BatchNorm2d(16), nn.ReLU(),
                       nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    num_channels, blks = 16, []
    for i, num_convs in enumerate(num_convs_in_dense_blocks):
        blks.append(DenseBlock(num_convs, num_channels, growth_rate))
        num_channels += num_convs * growth_rate
        if i != len(num_convs_in_dense_blocks) - 1:
            blks.append(transition_block(num_channels, num_channels // 2))
            num_channels = num_channels // 2
    return nn.Sequential(b1, *blks, nn.BatchNorm2d(num_channels), nn.ReLU(),
                         nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                         nn.Linear(num_channels, num_classes))


#: name -> (builder, input shape of one batch); the tests run every entry.
ZOO = {
    "lenet": (lenet, (4, 1, 28, 28)),
    "alexnet": (lambda: alexnet(dropout=0.0), (2, 1, 224, 224)),
    "vgg11": (lambda: vgg11(dropout=0.0), (2, 1, 32, 32)),
    "nin": (nin, (2, 1, 224, 224)),
    "googlenet": (googlenet, (2, 1, 96, 96)),
    "resnet18": (ResNet18, (4, 3, 32, 32)),
    "densenet": (densenet, (2, 1, 96, 96)),
}

"""Train a small CNN on MNIST-shaped data: a PyTorch script, runnable on minigrad unchanged.

Written as a PyTorch user writes one (argparse, Dataset/DataLoader, a scheduler, an evaluation
loop, ``torch.save``). To run it on minigrad, change only the imports (see docs/porting.md);
tests/test_pytorch_scripts.py does exactly that and compares the losses with PyTorch's.

    python examples/pytorch/mnist_cnn.py --epochs 1          # random MNIST-shaped data
    python examples/pytorch/mnist_cnn.py --data digits.npz   # arrays "x" (N,28,28) and "y" (N,)
"""

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, dropout=0.25):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, 1)
        self.conv2 = nn.Conv2d(16, 32, 3, 1)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(2 * dropout)
        self.fc1 = nn.Linear(4608, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def train(args, model, device, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)}]"
                  f"\tLoss: {loss.item():.6f}")


def test(model, device, test_loader):
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    print(f"Test set: Average loss: {test_loss:.6f}, "
          f"Accuracy: {correct}/{len(test_loader.dataset)} "
          f"({100.0 * correct / len(test_loader.dataset):.2f}%)")
    return test_loss


def load_data(path, n, seed):
    """Arrays from an .npz file, or random MNIST-shaped data when no file is given."""
    if path:
        arrays = np.load(path)
        x, y = arrays["x"], arrays["y"]
    else:
        rng = np.random.default_rng(seed)
        x = rng.random((n, 28, 28), dtype=np.float32)
        y = rng.integers(0, 10, n)
    x = torch.from_numpy(x.astype(np.float32)).unsqueeze(1)
    x = (x - 0.1307) / 0.3081
    return TensorDataset(x, torch.from_numpy(y.astype(np.int64)))


def main(argv=None):
    parser = argparse.ArgumentParser(description="MNIST-style CNN")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--test-batch-size", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--gamma", type=float, default=0.7)
    parser.add_argument("--dropout", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log-interval", type=int, default=10)
    parser.add_argument("--data", default=None, help=".npz with arrays x and y")
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--no-shuffle", action="store_true")
    parser.add_argument("--init", default=None, help=".npz of initial weights (state-dict names)")
    parser.add_argument("--save-model", default=None, help="where to save the state dict")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dataset = load_data(args.data, args.samples, args.seed)
    n_test = len(dataset) // 5
    train_set, test_set = torch.utils.data.random_split(
        dataset, [len(dataset) - n_test, n_test], generator=torch.Generator().manual_seed(0))
    if args.no_shuffle:  # a fixed split and order, so two runs can be compared step by step
        train_set = torch.utils.data.Subset(dataset, range(n_test, len(dataset)))
        test_set = torch.utils.data.Subset(dataset, range(n_test))
    train_loader = DataLoader(train_set, batch_size=args.batch_size,
                              shuffle=not args.no_shuffle)
    test_loader = DataLoader(test_set, batch_size=args.test_batch_size)

    model = Net(args.dropout).to(device)
    if args.init:
        arrays = np.load(args.init)
        model.load_state_dict({k: torch.from_numpy(arrays[k]) for k in arrays.files})
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(model, device, test_loader)
        scheduler.step()
        print(f"lr: {scheduler.get_last_lr()[0]:.6f}")
    if args.save_model:
        torch.save(model.state_dict(), args.save_model)


if __name__ == "__main__":
    main()

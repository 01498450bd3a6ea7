"""A word-level language model as PyTorch's tutorial "Language Modeling with nn.Transformer"
writes it: an embedding, sinusoidal positions, ``nn.TransformerEncoder`` under a causal mask
from ``generate_square_subsequent_mask``, a linear decoder; trained a few steps with Adam
and gradient clipping, then evaluated."""

import math

import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)


def pattern(shape, phase):
    n = math.prod(shape)
    return torch.tensor([0.3 * math.sin(1.3 * i + phase) for i in range(n)]).reshape(shape)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.0, max_len=64):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        x = x + self.pe[: x.size(0)]
        return self.dropout(x)


class TransformerModel(nn.Module):
    def __init__(self, ntoken, d_model, nhead, d_hid, nlayers, dropout=0.0):
        super().__init__()
        self.model_type = "Transformer"
        self.pos_encoder = PositionalEncoding(d_model, dropout)
        encoder_layers = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
        self.transformer_encoder = nn.TransformerEncoder(encoder_layers, nlayers,
                                                         enable_nested_tensor=False)
        self.embedding = nn.Embedding(ntoken, d_model)
        self.d_model = d_model
        self.linear = nn.Linear(d_model, ntoken)

    def forward(self, src, src_mask=None):
        src = self.embedding(src) * math.sqrt(self.d_model)
        src = self.pos_encoder(src)
        if src_mask is None:
            src_mask = nn.Transformer.generate_square_subsequent_mask(len(src))
        output = self.transformer_encoder(src, src_mask)
        return self.linear(output)


ntokens, bptt = 11, 6
model = TransformerModel(ntokens, d_model=8, nhead=2, d_hid=16, nlayers=2)
for i, p in enumerate(model.parameters()):
    p.data.copy_(pattern(p.shape, i))
print("parameters:", sum(p.numel() for p in model.parameters()))
print("keys:", len(model.state_dict()), list(model.state_dict())[:3])

# a corpus counting up modulo ntokens, batched as the tutorial's batchify does: (seq, batch)
corpus = torch.tensor([(3 * i + i // 7) % ntokens for i in range(4 * 24)])
data = corpus.view(4, -1).t().contiguous()


def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    return source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)


criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
model.train()
for epoch in range(3):
    total = 0.0
    for i in range(0, data.size(0) - 1, bptt):
        src, targets = get_batch(data, i)
        output = model(src)
        loss = criterion(output.view(-1, ntokens), targets)
        optimizer.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        total += loss.item()
    print("epoch", epoch, "loss", total, "last norm", norm.item())

model.eval()
with torch.no_grad():
    src, targets = get_batch(data, 0)
    output = model(src)
    print("eval loss", criterion(output.view(-1, ntokens), targets).item())
    print("predictions", output.argmax(-1)[:, 0].tolist())

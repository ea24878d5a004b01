#!/usr/bin/python3
"""HANet in plain PyTorch: a reference for side-by-side timing against kinepose.

A re-implementation of the published HANet model (Jin et al., WACV 2023, "Kinematic-aware
Hierarchical Attention Network for Human Pose Estimation in Videos") written from
docs/hanet-spec.md in the style of the authors' code (sequence-first torch.nn.MultiheadAttention
with packed in_proj_weight, nn.Linear, nn.LayerNorm, nn.Conv1d, DETR-style pre/post-norm layers).
Parameter names equal the published checkpoint names (transformer.encoder.{i}.layers.0.self_attn...,
see fixtures/hanet-public/keys.txt), so a state_dict loads with strict=True. It is verified against
the fixtures produced by running the authors' model (--check-fixture), then used to time the
published configurations on CPU (--time).

Run it with Debian's interpreter (torch 1.13 CPU + numpy); safetensors are parsed by hand.
  /usr/bin/python3 bench/hanet_pytorch_reference.py --check-fixture [DIR]
  /usr/bin/python3 bench/hanet_pytorch_reference.py --time --config h36m_3d --batches 1,64 --threads 2 --seconds 2

Mask semantics (published arithmetic, spec "Mask semantics"): encoder self-attention masks (-inf) the
diagonal and unseen keys; decoder self-attention is unmasked; decoder cross-attention ADDS +1.0 to the
logits of unseen memory frames (memory_mask="additive"; "masked" = -inf instead, optional).
"""
import argparse, json, math, os, struct, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_FIXTURE = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "fixtures", "hanet-public"))
# Published configurations (kinepose's presets in src/models/hanet/hanet_config.cpp; heads = 4 there).
PRESETS = {
    "h36m_3d": dict(joints=17, dims=3, N=5, Q=20, d=64, nheads=4, ff=256, E=5, D=5, pre_norm=True),
    "jhmdb_2d": dict(joints=15, dims=2, N=10, Q=1, d=256, nheads=4, ff=1024, E=5, D=5, pre_norm=False),
    "compact": dict(joints=17, dims=2, N=5, Q=2, d=64, nheads=4, ff=256, E=3, D=3, pre_norm=True),
}
ACT = {"leaky_relu": lambda x: F.leaky_relu(x, 0.01), "relu": F.relu, "gelu": F.gelu}


def sine_pos_embed(L, width):
    """PositionEmbeddingSine_1D (normalize=True): (L, width), even columns sin, odd columns cos."""
    f = width // 2
    pos = torch.arange(L, dtype=torch.float32) / ((L - 1) + 1e-6) * (2 * math.pi)
    dim_t = 10000 ** (2 * torch.arange(f, dtype=torch.float32) / f)
    a = pos[:, None] / dim_t                                   # (L, f)
    return torch.stack((a.sin(), a.cos()), dim=2).flatten(1)   # interleaved sin/cos


class EncoderLayer(nn.Module):
    def __init__(self, d, nheads, ff, dropout, act, pre_norm):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, nheads, dropout=dropout)
        self.linear1, self.linear2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.dropout, self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout), nn.Dropout(dropout)
        self.act, self.pre_norm = ACT[act], pre_norm

    def forward(self, src, pos, attn_mask, key_padding_mask):   # src (L, B, d)
        if self.pre_norm:
            s = self.norm1(src)
            q = k = s + pos
            src = src + self.dropout1(self.self_attn(q, k, s, attn_mask=attn_mask, key_padding_mask=key_padding_mask)[0])
            s = self.norm2(src)
            return src + self.dropout2(self.linear2(self.dropout(self.act(self.linear1(s)))))
        q = k = src + pos
        src = self.norm1(src + self.dropout1(self.self_attn(q, k, src, attn_mask=attn_mask,
                                                            key_padding_mask=key_padding_mask)[0]))
        return self.norm2(src + self.dropout2(self.linear2(self.dropout(self.act(self.linear1(src))))))


class DecoderLayer(nn.Module):
    def __init__(self, d, nheads, ff, dropout, act, pre_norm):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, nheads, dropout=dropout)
        self.multihead_attn = nn.MultiheadAttention(d, nheads, dropout=dropout)
        self.linear1, self.linear2 = nn.Linear(d, ff), nn.Linear(ff, d)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.dropout, self.dropout1 = nn.Dropout(dropout), nn.Dropout(dropout)
        self.dropout2, self.dropout3 = nn.Dropout(dropout), nn.Dropout(dropout)
        self.act, self.pre_norm = ACT[act], pre_norm

    def forward(self, tgt, memory, pos, memory_key_padding_mask):
        ffn = lambda t: self.linear2(self.dropout(self.act(self.linear1(t))))
        if self.pre_norm:
            t = self.norm1(tgt)
            q = k = t + pos
            tgt = tgt + self.dropout1(self.self_attn(q, k, t)[0])
            t = self.norm2(tgt)
            tgt = tgt + self.dropout2(self.multihead_attn(t + pos, memory + pos, memory,
                                                          key_padding_mask=memory_key_padding_mask)[0])
            return tgt + self.dropout3(ffn(self.norm3(tgt)))
        q = k = tgt + pos
        tgt = self.norm1(tgt + self.dropout1(self.self_attn(q, k, tgt)[0]))
        tgt = self.norm2(tgt + self.dropout2(self.multihead_attn(tgt + pos, memory + pos, memory,
                                                                 key_padding_mask=memory_key_padding_mask)[0]))
        return self.norm3(tgt + self.dropout3(ffn(tgt)))


class Stack(nn.Module):
    """Container giving the published names `<x>.layers.{j}` (and `<x>.norm` for the decoder)."""
    def __init__(self, layers, norm=None):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        if norm is not None:
            self.norm = norm


class Transformer(nn.Module):
    def __init__(self, C, L, N, d, nheads, ff, E, D, pre_norm, dropout=0.1, act="leaky_relu", memory_mask="additive"):
        super().__init__()
        assert (L - 1) % N == 0 and d % nheads == 0 and memory_mask in ("additive", "masked")
        self.C, self.L, self.N, self.d, self.E, self.memory_mask = C, L, N, d, E, memory_mask
        self.decoder_embed = nn.Conv1d(C, d, kernel_size=5, padding=2)
        self.encoder_embed = nn.Linear(4 * C, d)
        self.motion_embed = nn.Linear(d + 3 * C, d)
        self.prev_v_embed = nn.Conv1d(C, C, 1, groups=C)   # depthwise 1x1: per-channel scale + bias
        self.next_v_embed = nn.Conv1d(C, C, 1, groups=C)
        self.acc_embed = nn.Conv1d(C, C, 1, groups=C)
        w = [d * 2 ** i for i in range(E)]
        self.encoder = nn.ModuleList(Stack([EncoderLayer(w[i], nheads, ff * 2 ** i, dropout, act, pre_norm)])
                                     for i in range(E))
        self.projection = nn.ModuleList(nn.Linear(w[i], 2 * w[i]) for i in range(E))  # last one: computed, discarded
        self.offset_refine = nn.ModuleList(nn.Conv1d(w[i], d, 1) for i in range(E))
        if pre_norm:  # built by the published code, never applied
            self.encoder_norm = nn.ModuleList(nn.LayerNorm(w[i]) for i in range(E))
        self.decoder = Stack([DecoderLayer(d, nheads, ff, dropout, act, pre_norm) for _ in range(D)], nn.LayerNorm(d))
        self.decoder_joints_embed = nn.Linear(d, C)
        self.encoder_joints_embed = nn.Linear(d, C)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)
        unseen = torch.ones(L)
        unseen[::N] = 0
        self.register_buffer("unseen", unseen, persistent=False)
        self.register_buffer("eye", torch.eye(L, dtype=torch.bool), persistent=False)
        for i in range(E):
            self.register_buffer("pos%d" % i, sine_pos_embed(L, w[i])[:, None, :], persistent=False)  # (L,1,w)

    def forward(self, x):                                   # x: (B, L, C) -> (final (B,L,C), reco (B,L,C))
        B, L, C = x.shape
        keep = (1 - self.unseen)[None, :, None]
        xin = x * keep
        prev = torch.cat((x[:, :1], x[:, :-1]), 1) * keep   # raw neighbours, zeroed at unseen frames
        nxt = torch.cat((x[:, 1:], x[:, -1:]), 1) * keep
        flow = (prev + xin + nxt) / 3
        dw = lambda z, m: z * m.weight[:, 0, 0] + m.bias     # depthwise 1x1 conv on (B, L, C)
        prev_v, next_v = dw(xin - prev, self.prev_v_embed), dw(nxt - xin, self.next_v_embed)
        acc = dw((next_v - prev_v) ** 2, self.acc_embed)
        src = self.encoder_embed(torch.cat((flow, xin, prev, nxt), 2)).transpose(0, 1)   # (L, B, d)
        kpm = self.unseen.bool()[None].expand(B, L)
        offsets = []
        for i in range(self.E):
            z = self.encoder[i].layers[0](src, getattr(self, "pos%d" % i), self.eye, kpm)
            offsets.append(self.offset_refine[i](z.permute(1, 2, 0)))            # (B, d, L)
            if i + 1 < self.E:   # the published code also computes projection[E-1] and discards it
                src = self.projection[i](z)
        mem = torch.stack(offsets).mean(0).permute(2, 0, 1)                     # (L, B, d)
        reco = self.encoder_joints_embed(mem).transpose(0, 1) + xin              # (B, L, C)
        interp = F.interpolate(reco[:, ::self.N].transpose(1, 2), size=L, mode="linear", align_corners=True)
        tgt = self.decoder_embed(interp).permute(2, 0, 1)                        # (L, B, d)
        memory = self.motion_embed(torch.cat((mem, prev_v.transpose(0, 1), next_v.transpose(0, 1),
                                              acc.transpose(0, 1)), 2))
        if self.memory_mask == "additive":   # published: +1.0 on the logits of unseen memory keys
            mkpm = self.unseen[None].expand(B, L)
        else:
            mkpm = kpm
        for layer in self.decoder.layers:
            tgt = layer(tgt, memory, self.pos0, mkpm)
        out = self.decoder_joints_embed(self.decoder.norm(tgt)).transpose(0, 1) + interp.transpose(1, 2)
        return out, reco


class HANet(nn.Module):
    def __init__(self, **kw):
        super().__init__()
        self.transformer = Transformer(**kw)

    def forward(self, x):
        return self.transformer(x)


def read_safetensors(path):
    with open(path, "rb") as f:
        buf = f.read()
    n = struct.unpack("<Q", buf[:8])[0]
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    tensors = {}
    for k, v in header.items():
        assert v["dtype"] == "F32", (k, v["dtype"])
        b, e = v["data_offsets"]
        a = np.frombuffer(buf, dtype="<f4", count=(e - b) // 4, offset=8 + n + b).reshape(v["shape"])
        tensors[k] = torch.from_numpy(a.copy())
    return tensors, meta


def model_from_metadata(meta):
    C, L, N = int(meta["input_dim"]), int(meta["window"]), int(meta["sample_interval"])
    assert int(meta["encoder_hidden_dim"]) == int(meta["decoder_hidden_dim"])
    return HANet(C=C, L=L, N=N, d=int(meta["encoder_hidden_dim"]), nheads=int(meta["nheads"]),
                 ff=int(meta["dim_feedforward"]), E=int(meta["enc_layers"]), D=int(meta["dec_layers"]),
                 pre_norm=meta["pre_norm"] == "true", dropout=float(meta.get("dropout", "0.1")),
                 act=meta.get("activation", "leaky_relu"), memory_mask=meta.get("memory_mask", "additive"))


def check_fixture(dirname, threads):
    torch.set_num_threads(threads)
    sd, meta = read_safetensors(os.path.join(dirname, "weights.safetensors"))
    model = model_from_metadata(meta)
    sd = {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}
    model.load_state_dict(sd, strict=True)
    model.eval()
    x = torch.from_numpy(np.load(os.path.join(dirname, "windows_in.npy")))
    want_final = np.load(os.path.join(dirname, "final_out.npy"))
    want_enc = np.load(os.path.join(dirname, "encoder_out.npy"))
    with torch.no_grad():
        final, reco = model(x)
    N = model.transformer.N
    d_final = float(np.abs(final.numpy() - want_final).max())
    d_enc = float(np.abs(reco.numpy()[:, ::N] - want_enc[:, ::N]).max())
    print("fixture %s: %d tensors loaded (strict), %d parameters, input %s" %
          (dirname, len(sd), sum(p.numel() for p in model.parameters()), tuple(x.shape)))
    print("max |final - final_out.npy|                    = %.3e" % d_final)
    print("max |encoder - encoder_out.npy| (seen frames)  = %.3e" % d_enc)
    ok = d_final <= 1e-4 and d_enc <= 1e-4
    print("PASS" if ok else "FAIL (tolerance 1e-4)")
    return 0 if ok else 1


def time_forward(model, x, seconds, ctx):
    with ctx():
        for _ in range(2):
            model(x)
        n, t0 = 0, time.perf_counter()
        while True:
            model(x)
            n += 1
            el = time.perf_counter() - t0
            if el >= seconds:
                return el / n, n


def run_timing(cfg_name, batches, threads, seconds, seed):
    cfg = dict(PRESETS[cfg_name])
    C = cfg.pop("joints") * cfg.pop("dims")
    N, Q = cfg.pop("N"), cfg.pop("Q")
    L = N * Q + 1
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    model = HANet(C=C, L=L, N=N, **cfg).eval()
    nparams = sum(p.numel() for p in model.parameters())
    print("config %s: C=%d L=%d N=%d d=%d heads=%d F=%d E=%d D=%d pre_norm=%s, %d parameters (%.2f M), "
          "torch %s, %d threads" % (cfg_name, C, L, N, cfg["d"], cfg["nheads"], cfg["ff"], cfg["E"], cfg["D"],
                                    cfg["pre_norm"], nparams, nparams / 1e6, torch.__version__, threads))
    ctxs = [("no_grad", torch.no_grad)]
    if hasattr(torch, "inference_mode"):
        ctxs.append(("inference_mode", torch.inference_mode))
    print("config batch ms_per_window windows_per_s refined_frames_per_s")
    for B in batches:
        x = torch.randn(B, L, C, generator=torch.Generator().manual_seed(seed + B)) * 0.5
        res = {name: time_forward(model, x, seconds, ctx) for name, ctx in ctxs}
        best = min(res, key=lambda k: res[k][0])
        sec, iters = res[best]
        ms_win = sec * 1e3 / B
        wps = B / sec
        print("%s %d %.4f %.2f %.1f" % (cfg_name, B, ms_win, wps, wps * N))
        print(json.dumps(dict(config=cfg_name, batch=B, ms_per_window=ms_win, windows_per_s=wps,
                              refined_frames_per_s=wps * N, mode=best, iterations=iters, threads=threads,
                              params=nparams, ms_per_call={k: v[0] * 1e3 for k, v in res.items()},
                              impl="pytorch-reference", torch=torch.__version__)))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check-fixture", nargs="?", const=DEFAULT_FIXTURE, metavar="DIR")
    ap.add_argument("--time", action="store_true")
    ap.add_argument("--config", default="h36m_3d", choices=sorted(PRESETS))
    ap.add_argument("--batches", default="1,64")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if not a.time and a.check_fixture is None:
        a.check_fixture = DEFAULT_FIXTURE
    rc = 0
    if a.check_fixture is not None:
        rc |= check_fixture(a.check_fixture, a.threads)
    if a.time:
        rc |= run_timing(a.config, [int(b) for b in a.batches.split(",")], a.threads, a.seconds, a.seed)
    return rc


if __name__ == "__main__":
    sys.exit(main())

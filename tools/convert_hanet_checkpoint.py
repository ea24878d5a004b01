#!/usr/bin/env python3
"""Convert a published HANet checkpoint (KyungMinJin/HANet) into a kinepose safetensors weights file.

    python3 tools/convert_hanet_checkpoint.py CHECKPOINT.pth.tar --config configs/config_jhmdb_simplebaseline_2D.yaml \
        -o models/hanet_jhmdb_2d.safetensors

The checkpoint is what the official trainer saves: torch.save({'epoch', 'state_dict', 'performance',
'optimizer'}) (a bare state_dict is accepted too); keys may carry DataParallel's 'module.' prefix.
The config is the official YAML (yacs) file, or the same keys as JSON. Hyper-parameters are read the
way the official train.py builds the model:

    SAMPLE_INTERVAL                       -> sample_interval N          (official default 10)
    MODEL.SLIDE_WINDOW_Q                  -> Q, window = N*Q + 1         (official default 1)
    MODEL.ENCODER_EMBEDDING_DIMENSION     -> encoder_hidden_dim, dim_feedforward = 4x
    MODEL.DECODER_EMBEDDING_DIMENSION     -> decoder_hidden_dim
    MODEL.ENCODER_HEAD                    -> nheads                      (official default 4)
    MODEL.ENCODER_TRANSFORMER_BLOCK       -> enc_layers AND dec_layers   (train.py passes it for both)
    MODEL.DROPOUT                         -> dropout                     (official default 0.1)
    MODEL.DECODER_INTERP                  -> interp                      (only "linear")
    TRAIN.PRE_NORM                        -> pre_norm
    DATASET_NAME + BODY_REPRESENTATION    -> joints, dims, skeleton, input_normalization, fps
    (activation is always leaky_relu; memory_mask is "additive", the published arithmetic)

Widths, block counts, the input dimension and pre-norm are also read off the tensors; a config that
contradicts them is an error. Flags override the config for everything the YAML does not say (or
says differently from what you need): --joints, --dims, --skeleton, --input-normalization, --fps,
--sample-interval, --q, --nheads, --dropout, --pre-norm/--post-norm.

Needs only Debian's python3-torch (and python3-yaml for YAML configs; JSON configs work without
it). Runs on CPU; writes the output atomically.
"""

import argparse
import json
import os
import re
import struct
import sys
import tempfile

import torch

# Official config.py defaults (yacs): used when the YAML leaves a key out.
OFFICIAL_DEFAULTS = {
    "SAMPLE_INTERVAL": 10,
    "MODEL.SLIDE_WINDOW_Q": 1,
    "MODEL.DROPOUT": 0.1,
    "MODEL.ENCODER_HEAD": 4,
    "MODEL.ENCODER_TRANSFORMER_BLOCK": 3,
    "MODEL.ENCODER_EMBEDDING_DIMENSION": 512,
    "MODEL.DECODER_EMBEDDING_DIMENSION": 512,
    "MODEL.DECODER_INTERP": "linear",
    "TRAIN.PRE_NORM": False,
}

# What the official datasets are: (joints, dims, kinepose skeleton, input normalisation, fps) per
# (DATASET_NAME, BODY_REPRESENTATION). 3DPW and AIST++ use the 14 evaluation joints of
# SmoothNet/DeciWatch, kinepose's "pw3d14" (docs/skeletons.md).
DATASETS = {
    ("jhmdb", "2D"): (15, 2, "jhmdb15", "image_size", 30.0),
    ("h36m", "2D"): (17, 2, "h36m17", "image_size", 50.0),
    ("h36m", "3D"): (17, 3, "h36m17", "root_relative", 50.0),
    ("pw3d", "3D"): (14, 3, "pw3d14", "root_relative", 30.0),
    ("pw3d", "smpl"): (24, 6, "smpl24", "none", 30.0),
    ("aist", "3D"): (14, 3, "pw3d14", "root_relative", 60.0),
    ("aist", "smpl"): (24, 6, "smpl24", "none", 60.0),
}

NORMALIZATIONS = ("none", "image_size", "person_box", "root_relative")


class ConvertError(Exception):
    pass


def load_config(path):
    with open(path, "r", encoding="utf-8") as f:
        text = f.read()
    if path.lower().endswith(".json"):
        try:
            return json.loads(text)
        except ValueError as e:
            raise ConvertError(f"{path}: not valid JSON: {e}")
    try:
        import yaml
    except ImportError:
        try:  # JSON is YAML: accept it without PyYAML
            return json.loads(text)
        except ValueError:
            raise ConvertError(f"{path}: reading YAML needs PyYAML (Debian: apt-get install python3-yaml); "
                               "or pass the same keys as a .json file")
    try:
        cfg = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConvertError(f"{path}: not valid YAML: {e}")
    if cfg is None:
        cfg = {}
    if not isinstance(cfg, dict):
        raise ConvertError(f"{path}: the config must be a mapping of keys (like the official configs/*.yaml)")
    return cfg


def cfg_get(cfg, dotted):
    """Value of a dotted key (MODEL.ENCODER_HEAD) in the config, or None when absent."""
    node = cfg
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


# What a training checkpoint legitimately pickles besides tensors: containers, numbers, numpy
# scalars (e.g. 'performance'). torch 1.13's weights_only loader rejects plain floats, hence our own
# allow-list; anything else (code!) needs --unsafe-load.
SAFE_GLOBALS = {
    ("collections", "OrderedDict"),
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch._utils", "_rebuild_parameter"),
    ("torch", "Size"),
    ("torch", "device"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),  # how protocol-2 pickles carry the bytes of numpy scalars
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "complex"),
    ("builtins", "slice"),
}


def restricted_pickle_module():
    import pickle
    import types

    class Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) in SAFE_GLOBALS or (module == "torch" and name.endswith("Storage")):
                return super().find_class(module, name)
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name}")

    m = types.ModuleType("kinepose_restricted_pickle")
    m.Unpickler = Unpickler
    m.Pickler = pickle.Pickler
    m.load = lambda f, **kw: Unpickler(f, **kw).load()
    m.loads = pickle.loads
    m.dump = pickle.dump
    m.dumps = pickle.dumps
    m.UnpicklingError = pickle.UnpicklingError
    return m


def restricted_load(path):
    """torch.load with the allow-list unpickler. torch 1.13's torch.load ignores pickle_module unless
    weights_only is set (and its weights_only unpickler rejects floats), so this drives the zip-format
    loader directly; other torch versions fall back to weights_only=True."""
    ser = torch.serialization
    try:
        open_file, is_zip, open_zip, load_zip = ser._open_file_like, ser._is_zipfile, ser._open_zipfile_reader, ser._load
    except AttributeError:
        return torch.load(path, map_location="cpu", weights_only=True)
    with open_file(path, "rb") as f:
        if not is_zip(f):
            raise pickle_error("refusing to load global: not a zip-format checkpoint (a legacy pre-1.6 file cannot be "
                               "checked, anything else is not a checkpoint)")
        with open_zip(f) as z:
            return load_zip(z, "cpu", restricted_pickle_module(), encoding="utf-8")


def pickle_error(msg):
    import pickle
    return pickle.UnpicklingError(msg)


def load_state_dict(path, unsafe_load):
    if not os.path.isfile(path):
        raise ConvertError(f"{path}: no such file")
    try:
        if unsafe_load:
            ckpt = torch.load(path, map_location="cpu")
        else:
            try:
                ckpt = restricted_load(path)
            except Exception as e:
                if "refusing to load global" not in str(e):
                    raise
                raise ConvertError(f"{path}: the checkpoint pickles more than tensors and plain values ({e}); if you "
                                   "trust the file, rerun with --unsafe-load (full pickle loading runs code from it)")
    except ConvertError:
        raise
    except Exception as e:
        raise ConvertError(f"{path}: not a readable PyTorch checkpoint: {e}")
    if isinstance(ckpt, dict) and "state_dict" in ckpt:
        sd = ckpt["state_dict"]
    else:
        sd = ckpt
    if not isinstance(sd, dict) or not sd:
        raise ConvertError(f"{path}: no state_dict (expected a dict with 'state_dict', or a state_dict)")
    out = {}
    for k, v in sd.items():
        if not isinstance(k, str) or not torch.is_tensor(v):
            raise ConvertError(f"{path}: state_dict entry {k!r} is not a named tensor")
        name = k[len("module."):] if k.startswith("module.") else k
        if name in out:
            raise ConvertError(f"{path}: tensor '{name}' appears twice (with and without the 'module.' prefix)")
        if not v.is_floating_point():
            raise ConvertError(f"{path}: tensor '{name}' has dtype {v.dtype}; HANet weights are floating point")
        t = v.detach().to("cpu", torch.float32).contiguous()
        if not torch.isfinite(t).all():
            raise ConvertError(f"{path}: tensor '{name}' holds non-finite values")
        out[name] = t
    return out


def need(sd, name, path):
    if name not in sd:
        raise ConvertError(f"{path}: tensor '{name}' is missing: not a HANet checkpoint")
    return sd[name]


def shapes_say(sd, path):
    """The hyper-parameters the tensors determine."""
    enc_embed = need(sd, "transformer.encoder_embed.weight", path)  # [d, 4C]
    if enc_embed.dim() != 2 or enc_embed.shape[1] % 4 != 0:
        raise ConvertError(f"{path}: transformer.encoder_embed.weight has shape {list(enc_embed.shape)}; expected [d, 4C]")
    levels = sorted({int(m.group(1)) for k in sd for m in [re.match(r"transformer\.encoder\.(\d+)\.", k)] if m})
    dec = sorted({int(m.group(1)) for k in sd for m in [re.match(r"transformer\.decoder\.layers\.(\d+)\.", k)] if m})
    if not levels or levels != list(range(len(levels))):
        raise ConvertError(f"{path}: encoder levels {levels} are not 0..E-1")
    if not dec or dec != list(range(len(dec))):
        raise ConvertError(f"{path}: decoder layers {dec} are not 0..D-1")
    ffn = need(sd, "transformer.encoder.0.layers.0.linear1.weight", path)
    dec_embed = need(sd, "transformer.decoder_embed.weight", path)  # [d_dec, C, 5]
    return {
        "input_dim": enc_embed.shape[1] // 4,
        "encoder_hidden_dim": enc_embed.shape[0],
        "decoder_hidden_dim": dec_embed.shape[0],
        "enc_layers": len(levels),
        "dec_layers": len(dec),
        "dim_feedforward": ffn.shape[0],
        "pre_norm": any(k.startswith("transformer.encoder_norm.") for k in sd),
    }


def build_metadata(sd, cfg, args, ckpt_path, cfg_path):
    shapes = shapes_say(sd, ckpt_path)
    where = cfg_path or "(no config)"

    def cfg_value(key):
        v = cfg_get(cfg, key)
        return OFFICIAL_DEFAULTS.get(key) if v is None else v

    def explicit(key):
        return cfg_get(cfg, key)

    # Hyper-parameters the tensors fix: the config, when it says them, must agree.
    d = shapes["encoder_hidden_dim"]
    for key, shape_key, value in (
        ("MODEL.ENCODER_EMBEDDING_DIMENSION", "encoder_hidden_dim", explicit("MODEL.ENCODER_EMBEDDING_DIMENSION")),
        ("MODEL.DECODER_EMBEDDING_DIMENSION", "decoder_hidden_dim", explicit("MODEL.DECODER_EMBEDDING_DIMENSION")),
        ("MODEL.ENCODER_TRANSFORMER_BLOCK", "enc_layers", explicit("MODEL.ENCODER_TRANSFORMER_BLOCK")),
    ):
        if value is not None and int(value) != shapes[shape_key]:
            raise ConvertError(f"{where}: {key} = {value} but the checkpoint's tensors have {shape_key} = {shapes[shape_key]}")
    if shapes["dec_layers"] != shapes["enc_layers"] and explicit("MODEL.ENCODER_TRANSFORMER_BLOCK") is not None:
        print(f"note: the checkpoint has {shapes['enc_layers']} encoder levels and {shapes['dec_layers']} decoder layers",
              file=sys.stderr)
    if shapes["dim_feedforward"] != 4 * d:
        print(f"note: feed-forward width {shapes['dim_feedforward']} is not 4 x {d} (train.py's choice); using the tensors'",
              file=sys.stderr)
    pre_norm_cfg = explicit("TRAIN.PRE_NORM")
    pre_norm = shapes["pre_norm"]
    if args.pre_norm is not None:
        if args.pre_norm != pre_norm:
            raise ConvertError(f"{ckpt_path}: --{'pre' if args.pre_norm else 'post'}-norm contradicts the tensors "
                               f"(transformer.encoder_norm.* {'absent' if args.pre_norm else 'present'})")
    elif pre_norm_cfg is not None and bool(pre_norm_cfg) != pre_norm:
        raise ConvertError(f"{where}: TRAIN.PRE_NORM = {pre_norm_cfg} but the checkpoint "
                           f"{'has' if pre_norm else 'lacks'} transformer.encoder_norm.* (built only with pre-norm)")

    # Hyper-parameters only the config (or flags) can say.
    n = args.sample_interval if args.sample_interval is not None else int(cfg_value("SAMPLE_INTERVAL"))
    q = args.q if args.q is not None else int(cfg_value("MODEL.SLIDE_WINDOW_Q"))
    if n < 1 or q < 1:
        raise ConvertError(f"{where}: sample interval N = {n} and SLIDE_WINDOW_Q = {q} must be >= 1")
    window = n * q + 1
    size = explicit("MODEL.SLIDE_WINDOW_SIZE")
    if size is not None and int(size) != window:
        raise ConvertError(f"{where}: MODEL.SLIDE_WINDOW_SIZE = {size} is not SAMPLE_INTERVAL * SLIDE_WINDOW_Q + 1 = {window}")
    nheads = args.nheads if args.nheads is not None else int(cfg_value("MODEL.ENCODER_HEAD"))
    if nheads < 1 or d % nheads != 0:
        raise ConvertError(f"{where}: {nheads} heads do not divide the hidden width {d}")
    dropout = args.dropout if args.dropout is not None else float(cfg_value("MODEL.DROPOUT"))
    interp = str(cfg_value("MODEL.DECODER_INTERP"))
    if interp != "linear":
        raise ConvertError(f"{where}: MODEL.DECODER_INTERP = {interp!r}; kinepose's HANet supports only 'linear'")

    # The data the model was trained on.
    dataset = str(explicit("DATASET_NAME") or "").lower()
    rep = str(explicit("BODY_REPRESENTATION") or "")
    rep = {"2d": "2D", "3d": "3D", "smpl": "smpl"}.get(rep.lower(), rep)
    joints, dims, skeleton, norm, fps = DATASETS.get((dataset, rep), (None, None, None, None, None))
    if args.joints is not None:
        joints = args.joints
    if args.dims is not None:
        dims = args.dims
    if args.skeleton is not None:
        skeleton = args.skeleton
    if args.input_normalization is not None:
        norm = args.input_normalization
    if args.fps is not None:
        fps = args.fps
    c = shapes["input_dim"]
    if dims is None and joints is not None and c % joints == 0:
        dims = c // joints
    if joints is None and dims is not None and c % dims == 0:
        joints = c // dims
    if joints is None or dims is None:
        raise ConvertError(f"{where}: DATASET_NAME / BODY_REPRESENTATION ({dataset or '-'} / {rep or '-'}) do not name a "
                           f"known dataset: pass --joints and --dims (input dimension {c})")
    if joints * dims != c:
        raise ConvertError(f"joints x dims = {joints} x {dims} = {joints * dims} but the checkpoint's input dimension is {c}")
    if norm is None:
        norm = "none"
    if norm not in NORMALIZATIONS:
        raise ConvertError(f"--input-normalization {norm!r} is not one of {', '.join(NORMALIZATIONS)}")
    if skeleton is None:
        skeleton = ""
    if fps is None:
        fps = 0.0
    if fps < 0:
        raise ConvertError(f"--fps {fps} must be >= 0")

    def num(v):  # like fmt's "{}" for a double: shortest round-trip, no trailing ".0"
        r = repr(float(v))
        return r[:-2] if r.endswith(".0") else r

    return {
        "format": "hanet",
        "input_dim": str(c),
        "joints": str(joints),
        "dims": str(dims),
        "sample_interval": str(n),
        "window": str(window),
        "encoder_hidden_dim": str(d),
        "decoder_hidden_dim": str(shapes["decoder_hidden_dim"]),
        "nheads": str(nheads),
        "dim_feedforward": str(shapes["dim_feedforward"]),
        "enc_layers": str(shapes["enc_layers"]),
        "dec_layers": str(shapes["dec_layers"]),
        "pre_norm": "true" if pre_norm else "false",
        "dropout": num(dropout),
        "activation": "leaky_relu",
        "interp": "linear",
        "skeleton": skeleton,
        "input_normalization": norm,
        "memory_mask": "additive",
        "fps": num(fps),
        "source": os.path.basename(ckpt_path),
    }


def safetensors_bytes(tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, t in tensors.items():
        data = t.numpy().astype("<f4", copy=False).tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)  # the data section starts at a multiple of 8
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def write_atomically(path, data):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".convert_hanet.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv=None):
    p = argparse.ArgumentParser(description="Convert a published HANet checkpoint into kinepose safetensors.")
    p.add_argument("checkpoint", help="the .pth.tar checkpoint (a dict with 'state_dict') or a bare state_dict")
    p.add_argument("--config", help="the official YAML config it was trained with (or the same keys as JSON)")
    p.add_argument("-o", "--output", required=True, help="the .safetensors file to write")
    p.add_argument("--joints", type=int)
    p.add_argument("--dims", type=int)
    p.add_argument("--skeleton", help="kinepose skeleton name (coco17, h36m17, jhmdb15, ...)")
    p.add_argument("--input-normalization", choices=NORMALIZATIONS)
    p.add_argument("--fps", type=float, help="frame rate of the training data")
    p.add_argument("--sample-interval", type=int, help="N (overrides SAMPLE_INTERVAL)")
    p.add_argument("--q", type=int, help="Q (overrides MODEL.SLIDE_WINDOW_Q)")
    p.add_argument("--nheads", type=int, help="attention heads (overrides MODEL.ENCODER_HEAD)")
    p.add_argument("--dropout", type=float)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--pre-norm", dest="pre_norm", action="store_true", default=None)
    g.add_argument("--post-norm", dest="pre_norm", action="store_false")
    p.add_argument("--unsafe-load", action="store_true",
                   help="allow full pickle loading for checkpoints holding more than tensors (trusted files only)")
    args = p.parse_args(argv)
    try:
        cfg = load_config(args.config) if args.config else {}
        sd = load_state_dict(args.checkpoint, args.unsafe_load)
        metadata = build_metadata(sd, cfg, args, args.checkpoint, args.config)
        write_atomically(args.output, safetensors_bytes(sd, metadata))
    except ConvertError as e:
        print(f"convert_hanet_checkpoint: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"convert_hanet_checkpoint: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}: {len(sd)} tensors, " +
          ", ".join(f"{k}={v}" for k, v in metadata.items() if k not in ("format", "source")))
    return 0


if __name__ == "__main__":
    sys.exit(main())

// One factory per file format, each defined in its own file under src/io/. formats.cpp lists them.
#pragma once

#include "kinepose/io.h"

namespace kinepose {

Format npz_format();               // src/io/npz_format.cpp   kinepose's own .npz
Format csv_format();               // src/io/csv_format.cpp   one row per (track, frame, joint)
Format coco_results_format();      // src/io/coco_json.cpp    COCO keypoint results JSON (read/write)
Format coco_annotations_format();  // src/io/coco_json.cpp    COCO annotation JSON (read)
Format openpose_format();          // src/io/openpose_json.cpp  folder of --write_json frames
Format posetrack18_format();       // src/io/posetrack_json.cpp PoseTrack18 JSON
Format mmpose_format();            // src/io/mmpose_json.cpp    MMPose per-frame predictions JSON
Format bvh_format();               // src/io/bvh.cpp          BVH mocap -> joint positions (FK)
Format amc_format();               // src/io/asf_amc.cpp      Acclaim ASF skeleton + AMC motion
Format penn_mat_format();          // src/io/penn_mat.cpp     Penn Action label .mat
Format jhmdb_mat_format();         // src/io/jhmdb_mat.cpp    JHMDB joint_positions.mat
Format h36m_format();              // src/io/h36m.cpp         Human3.6M folder (gt, detections, cameras)

}  // namespace kinepose

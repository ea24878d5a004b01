// Similarity (Umeyama) and scale-only alignment used by PA-MPJPE and N-MPJPE.
#include <Eigen/Dense>

#include <cmath>
#include <limits>
#include <string>

#include "kinepose/error.h"
#include "kinepose/metrics.h"

namespace kinepose {

void Similarity::apply(const double* x, double* out) const {
  double tmp[3];
  for (int r = 0; r < dims; ++r) {
    double v = 0;
    for (int c = 0; c < dims; ++c) v += rotation[r][c] * x[c];
    tmp[r] = scale * v + translation[r];
  }
  for (int r = 0; r < dims; ++r) out[r] = tmp[r];  // out may alias x
}

Similarity fit_similarity(const double* src, const double* dst, int n, int dims) {
  if (dims != 2 && dims != 3) throw Error("fit_similarity", "dims must be 2 or 3, got " + std::to_string(dims));
  if (n < 2) throw Error("fit_similarity", "needs at least 2 points, got " + std::to_string(n));
  using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Mat> X(src, n, dims), Y(dst, n, dims);
  const Eigen::RowVectorXd mx = X.colwise().mean(), my = Y.colwise().mean();
  const Mat Xc = X.rowwise() - mx, Yc = Y.rowwise() - my;
  const double var_x = Xc.squaredNorm() / n;
  if (!(var_x > 0)) throw Error("fit_similarity", "source points have zero spread (all equal)");
  // Cross-covariance dst x src: R maps src onto dst.
  const Eigen::MatrixXd cov = (Yc.transpose() * Xc) / n;
  Eigen::JacobiSVD<Eigen::MatrixXd> svd(cov, Eigen::ComputeFullU | Eigen::ComputeFullV);
  Eigen::VectorXd s = Eigen::VectorXd::Ones(dims);
  // Reflection fix: when U V^T would be improper, flip the direction of the smallest singular value
  // (Umeyama's S matrix), which is the best proper rotation.
  if (svd.matrixU().determinant() * svd.matrixV().determinant() < 0) s(dims - 1) = -1;
  const Eigen::MatrixXd R = svd.matrixU() * s.asDiagonal() * svd.matrixV().transpose();
  const double scale = svd.singularValues().dot(s) / var_x;
  const Eigen::VectorXd t = my.transpose() - scale * R * mx.transpose();

  Similarity out;
  out.dims = dims;
  out.scale = scale;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) out.rotation[r][c] = (r < dims && c < dims) ? R(r, c) : (r == c ? 1.0 : 0.0);
  for (int r = 0; r < 3; ++r) out.translation[r] = r < dims ? t(r) : 0.0;
  return out;
}

double optimal_scale(const double* src, const double* dst, int n, int dims) {
  double pq = 0, pp = 0;
  for (int i = 0; i < n * dims; ++i) {
    pq += src[i] * dst[i];
    pp += src[i] * src[i];
  }
  return pp > 0 ? pq / pp : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace kinepose

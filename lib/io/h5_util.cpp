// HDF5 error detail, quiet scopes and RAII identifiers for dodge's writers.
#include "io/h5_util.hpp"

namespace dodge::io::h5 {

namespace {
herr_t FirstEntry(unsigned n, const H5E_error2_t *err, void *ctx) {
  // Walking upward, entry 0 is where HDF5 detected the problem: the most specific message.
  if (n != 0) return 0;
  auto *out = static_cast<std::string *>(ctx);
  *out = std::string(err->func_name ? err->func_name : "?") + ": " + (err->desc ? err->desc : "");
  char minor[256];
  if (H5Eget_msg(err->min_num, nullptr, minor, sizeof(minor)) > 0) *out += std::string(" (") + minor + ")";
  return 1;  // stop after the first entry
}
}  // namespace

std::string ErrorDetail() {
  std::string detail;
  if (H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, FirstEntry, &detail) < 0 || detail.empty()) return "no HDF5 error stack";
  return detail;
}

Quiet::Quiet() {
  saved_ = H5Eget_auto2(H5E_DEFAULT, &func_, &data_) >= 0;
  if (saved_) (void)H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

Quiet::~Quiet() {
  if (saved_) (void)H5Eset_auto2(H5E_DEFAULT, func_, data_);
}

herr_t Id::Close() {
  if (id_ < 0) return 0;
  herr_t rc;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: rc = H5Fclose(id_); break;
    case H5I_GROUP: rc = H5Gclose(id_); break;
    case H5I_DATASET: rc = H5Dclose(id_); break;
    case H5I_DATASPACE: rc = H5Sclose(id_); break;
    case H5I_DATATYPE: rc = H5Tclose(id_); break;
    case H5I_ATTR: rc = H5Aclose(id_); break;
    case H5I_GENPROP_LST: rc = H5Pclose(id_); break;
    default: rc = -1; break;  // already closed elsewhere or not an identifier we hand out
  }
  id_ = H5I_INVALID_HID;
  return rc;
}

}  // namespace dodge::io::h5

# What `cmake --install` puts where, and the Debian package built from it with CPack
# (`cpack -G DEB` in the build directory; scripts/package.sh builds, installs and checks it).
#
# The package holds the three binaries, the systemd units, the system user (sysusers.d), the
# example configurations and the documentation; its maintainer scripts (packaging/) create the
# user and /etc/triggerd and start nothing. Dependencies come from dpkg-shlibdeps.
include(GNUInstallDirs)

install(TARGETS triggerd triggerctl triggerd-runner RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES systemd/triggerd.service systemd/triggerd@.service systemd/triggerd.socket
              systemd/triggerd-runner.service
        DESTINATION lib/systemd/system)
install(FILES packaging/sysusers.conf DESTINATION lib/sysusers.d RENAME triggerd.conf)
install(FILES config/triggerd.example.toml runner/triggerd-runner.example.toml
              runner/runner-storage.conf
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES README.md docs/operations.md docs/configuration.md docs/spool.md
              docs/security.md docs/runner.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME triggerd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "triggerd maintainers <triggerd@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "GitHub/GitLab push webhooks to container image build jobs in Redis")
set(CPACK_PACKAGE_DESCRIPTION
    "triggerd verifies provider webhook deliveries and turns pushes into build jobs in a Redis \
Stream, with a disk spool for when Redis cannot take them; triggerctl administers it and \
triggerd-runner builds the images.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The binaries without their debug information (a RelWithDebInfo build carries ~100 MB of it).
set(CPACK_STRIP_FILES ON)
# systemd 247 or later: LoadCredential=, ProtectProc=, PrivateIPC= in the units.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd (>= 247)")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "redis-server")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "buildah")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/postinst ${PROJECT_SOURCE_DIR}/packaging/prerm
    ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
